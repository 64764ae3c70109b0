package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiktoken-format tokenizer against the tiktoken library (tokenizer_tiktoken.golden.json). */
class TiktokenTokenizerTest {
  static JsonObject golden;
  static TiktokenTokenizer tok;

  @BeforeAll
  static void load() {
    golden = Goldens.read("tokenizer_tiktoken.golden.json");
    Map<String, Integer> specials = new LinkedHashMap<>();
    golden
        .getAsJsonObject("special_tokens")
        .entrySet()
        .forEach(e -> specials.put(e.getKey(), e.getValue().getAsInt()));
    tok =
        TiktokenTokenizer.load(
            Goldens.DIR.resolve("tokenizer.tiktoken"),
            golden.get("pattern").getAsString(),
            specials);
  }

  private static List<JsonObject> cases() {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : golden.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
    assertTrue(out.size() >= 30);
    return out;
  }

  @Test
  void encodesEveryCorpusCaseLikeTiktoken() {
    List<String> mismatches = new ArrayList<>();
    for (JsonObject c : cases()) {
      String text = c.get("text").getAsString();
      int[] expected = Goldens.ints(c.getAsJsonArray("ids"));
      int[] actual = tok.encode(text, false);
      if (!Arrays.equals(expected, actual))
        mismatches.add(
            text + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
    }
    assertEquals(List.of(), mismatches);
  }

  @Test
  void encodeOrdinaryTreatsSpecialTokensAsText() {
    for (JsonObject c : cases()) {
      assertArrayEquals(
          Goldens.ints(c.getAsJsonArray("ordinary_ids")),
          tok.encodeOrdinary(c.get("text").getAsString()),
          c.get("text").getAsString());
    }
  }

  @Test
  void decodesLikeTiktoken() {
    for (JsonObject c : cases()) {
      assertEquals(
          c.get("decoded").getAsString(), tok.decode(Goldens.ints(c.getAsJsonArray("ids")), false));
    }
  }

  @Test
  void vocabularyAndSpecialTokens() {
    assertEquals(golden.get("vocab_size").getAsInt(), tok.vocabSize());
    int bos = tok.tokenId("<|begin_of_text|>").orElseThrow();
    assertEquals(golden.getAsJsonObject("special_tokens").get("<|begin_of_text|>").getAsInt(), bos);
    assertTrue(tok.isSpecial(bos));
    assertEquals("", tok.decode(new int[] {bos}, true));
  }

  @Test
  void aMalformedLineIsATokenizerException(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("bad.tiktoken");
    Files.writeString(p, "AA== 0\nnot-base64!! 1\n");
    var e =
        assertThrows(
            TokenizerException.class,
            () -> TiktokenTokenizer.load(p, TiktokenTokenizer.LLAMA3_PATTERN, Map.of()));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }
}
