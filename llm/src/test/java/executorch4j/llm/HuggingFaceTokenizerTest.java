package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java tokenizer against the reference library's encodings (tokenizer.golden.json). */
class HuggingFaceTokenizerTest {
  static HuggingFaceTokenizer tok;
  static JsonObject golden;

  @BeforeAll
  static void load() {
    tok = HuggingFaceTokenizer.load(Goldens.TOKENIZER);
    golden = Goldens.read("tokenizer.golden.json");
  }

  private static List<JsonObject> cases() {
    return cases(golden);
  }

  private static List<JsonObject> cases(JsonObject golden) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : golden.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
    assertTrue(out.size() >= 30, "the corpus has all its cases");
    return out;
  }

  /**
   * tokenizer.json: NFC, the Llama 3 Split regex + ByteLevel without its regex, TemplateProcessing.
   * tokenizer_variant.json: NFKC + Lowercase, Digits, ByteLevel with its GPT-2 regex and
   * add_prefix_space, ignore_merges, a ByteLevel post-processor, an added token matched after
   * normalization.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tokenizer", "tokenizer_variant"})
  void encodesAndDecodesEveryCorpusCaseLikeTheReference(String name) {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.load(Goldens.DIR.resolve(name + ".json"));
    JsonObject g = Goldens.read(name + ".golden.json");
    assertEquals(g.get("vocab_size").getAsInt(), t.vocabSize());
    List<String> mismatches = new ArrayList<>();
    for (JsonObject c : cases(g)) {
      String text = c.get("text").getAsString();
      int[] ids = Goldens.ints(c.getAsJsonArray("ids"));
      check(mismatches, text + " (ids)", ids, t.encode(text, false));
      check(
          mismatches,
          text + " (with special)",
          Goldens.ints(c.getAsJsonArray("ids_with_special")),
          t.encode(text, true));
      if (!c.get("decoded").getAsString().equals(t.decode(ids, false)))
        mismatches.add(text + " (decoded)");
      if (!c.get("decoded_skip_special").getAsString().equals(t.decode(ids, true)))
        mismatches.add(text + " (decoded, skip special)");
    }
    assertEquals(List.of(), mismatches);
  }

  private static void check(List<String> mismatches, String what, int[] expected, int[] actual) {
    if (!java.util.Arrays.equals(expected, actual)) {
      mismatches.add(
          what
              + "\n  expected "
              + java.util.Arrays.toString(expected)
              + "\n  actual   "
              + java.util.Arrays.toString(actual));
    }
  }

  @Test
  void encodesEveryCorpusCaseLikeTheReference() {
    List<String> mismatches = new ArrayList<>();
    for (JsonObject c : cases()) {
      String text = c.get("text").getAsString();
      int[] expected = Goldens.ints(c.getAsJsonArray("ids"));
      int[] actual = tok.encode(text, false);
      if (!java.util.Arrays.equals(expected, actual)) {
        mismatches.add(
            text
                + "\n  expected "
                + java.util.Arrays.toString(expected)
                + "\n  actual   "
                + java.util.Arrays.toString(actual));
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @Test
  void addsTheTemplatesSpecialTokensLikeTheReference() {
    for (JsonObject c : cases()) {
      assertArrayEquals(
          Goldens.ints(c.getAsJsonArray("ids_with_special")),
          tok.encode(c.get("text").getAsString(), true),
          c.get("text").getAsString());
    }
  }

  @Test
  void tokenStringsMatchTheReference() {
    for (JsonObject c : cases()) {
      int[] ids = Goldens.ints(c.getAsJsonArray("ids"));
      var tokens = c.getAsJsonArray("tokens");
      for (int i = 0; i < ids.length; i++)
        assertEquals(tokens.get(i).getAsString(), tok.token(ids[i]));
    }
  }

  @Test
  void decodesLikeTheReferenceWithAndWithoutSpecialTokens() {
    for (JsonObject c : cases()) {
      int[] ids = Goldens.ints(c.getAsJsonArray("ids"));
      assertEquals(
          c.get("decoded").getAsString(), tok.decode(ids, false), c.get("text").getAsString());
      assertEquals(
          c.get("decoded_skip_special").getAsString(),
          tok.decode(ids, true),
          c.get("text").getAsString());
    }
  }

  @Test
  void tokenBytesConcatenateToTheDecodedText() {
    for (JsonObject c : cases()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int id : Goldens.ints(c.getAsJsonArray("ids"))) out.writeBytes(tok.tokenBytes(id));
      assertEquals(c.get("decoded").getAsString(), out.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void vocabularyAndSpecialTokensMatchTheFile() {
    assertEquals(golden.get("vocab_size").getAsInt(), tok.vocabSize());
    int bos = tok.tokenId("<|bos|>").orElseThrow();
    assertTrue(tok.isSpecial(bos));
    assertEquals("<|bos|>", tok.token(bos));
    assertTrue(tok.tokenId("<|nope|>").isEmpty());
  }

  @Test
  void anIdOutsideTheVocabularyIsTheCallersMistake() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> tok.decode(new int[] {tok.vocabSize()}, false));
    assertTrue(e.getMessage().contains("not in the vocabulary"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tok.tokenBytes(-1));
  }

  @Test
  void aMissingFileIsFileNotFound() {
    var e =
        assertThrows(
            ExecuTorchException.class,
            () -> HuggingFaceTokenizer.load(Path.of("no/such/tokenizer.json")));
    assertEquals(ErrorCode.FILE_NOT_FOUND, e.errorCode());
  }

  @Test
  void malformedJsonIsATokenizerException(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("t.json");
    Files.writeString(p, "{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": [");
    var e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(p));
    assertTrue(e.getMessage().startsWith("invalid JSON at offset "), e.getMessage());
    assertTrue(
        e instanceof IllegalArgumentException, "a data mistake, not the runtime's: nothing ran");
    var noModel = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.fromJson("{}"));
    assertTrue(noModel.getMessage().startsWith("tokenizer.json: "), noModel.getMessage());
  }

  @Test
  void anUnsupportedComponentIsNamedInsteadOfGivingOtherIds() {
    String json =
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
            + " \"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"\"}}";
    var e = assertThrows(ExecuTorchException.class, () -> HuggingFaceTokenizer.fromJson(json));
    assertEquals(ErrorCode.NOT_SUPPORTED, e.errorCode());
    assertTrue(e.getMessage().contains("normalizer Precompiled"), e.getMessage());
    var e2 =
        assertThrows(
            ExecuTorchException.class,
            () ->
                HuggingFaceTokenizer.fromJson(
                    "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}"));
    assertEquals(ErrorCode.NOT_SUPPORTED, e2.errorCode());
  }
}
