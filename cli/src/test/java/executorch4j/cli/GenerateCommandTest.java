package executorch4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code executorch4j generate} against PyTorch eager's greedy ids
 * (fixtures/llm/tiny_llama.golden.json).
 */
class GenerateCommandTest {
  static final Path DIR = Path.of("fixtures", "llm").toAbsolutePath();
  static final String MODEL = DIR.resolve("tiny_llama.pte").toString();
  static final String TOKENIZER = DIR.resolve("tokenizer.json").toString();

  record Result(int code, String out, String err) {}

  static Result generate(String stdin, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    var cmd =
        new GenerateCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    int code;
    try {
      cmd.run(args);
      code = 0;
    } catch (Main.UsageException e) {
      err.writeBytes(e.getMessage().getBytes(StandardCharsets.UTF_8));
      code = 2;
    } catch (executorch4j.ExecuTorchException e) {
      err.writeBytes(e.getMessage().getBytes(StandardCharsets.UTF_8));
      code = 1;
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static JsonObject golden() throws Exception {
    return JsonParser.parseString(Files.readString(DIR.resolve("tiny_llama.golden.json")))
        .getAsJsonObject();
  }

  static List<Integer> ids(JsonArray a) {
    return a.asList().stream().map(JsonElement::getAsInt).toList();
  }

  @Test
  void greedyJsonMatchesPyTorchEagerForEveryGoldenPrompt() throws Exception {
    for (JsonElement e : golden().getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      int n = c.getAsJsonArray("generated_ids").size();
      Result r =
          generate(
              "",
              MODEL,
              "--tokenizer",
              TOKENIZER,
              "--prompt",
              c.get("prompt").getAsString(),
              "--max-tokens",
              String.valueOf(n),
              "--json");
      assertEquals(0, r.code(), r.err());
      JsonObject o = JsonParser.parseString(r.out().trim()).getAsJsonObject();
      assertEquals(
          ids(c.getAsJsonArray("generated_ids")),
          ids(o.getAsJsonArray("token_ids")),
          c.get("prompt").getAsString());
      assertEquals("max_tokens", o.get("stop_reason").getAsString());
      assertEquals(
          c.getAsJsonArray("prompt_ids").size(),
          o.getAsJsonObject("stats").get("prompt_tokens").getAsInt());
    }
  }

  @Test
  void textModeStreamsTheSameTextToStdoutAndStatsToStderr() throws Exception {
    JsonObject c = golden().getAsJsonArray("cases").get(0).getAsJsonObject();
    String[] common = {
      MODEL,
      "--tokenizer",
      TOKENIZER,
      "--prompt",
      c.get("prompt").getAsString(),
      "--max-tokens",
      "24"
    };
    Result json = generate("", concat(common, "--json"));
    Result text = generate("", common);
    assertEquals(0, text.code(), text.err());
    String expected =
        JsonParser.parseString(json.out().trim()).getAsJsonObject().get("text").getAsString();
    assertEquals(expected + System.lineSeparator(), text.out());
    assertTrue(
        text.err().contains("generated 24 tokens") && text.err().contains("decode"), text.err());
  }

  @Test
  void chatReadsTurnsFromStdinAndKeepsTheContext() throws Exception {
    JsonArray turns = golden().getAsJsonObject("chat").getAsJsonArray("turns");
    JsonObject t1 = turns.get(0).getAsJsonObject(), t2 = turns.get(1).getAsJsonObject();
    Result r =
        generate(
            t2.get("prompt").getAsString() + "\n",
            MODEL,
            "--tokenizer",
            TOKENIZER,
            "--chat",
            "--prompt",
            t1.get("prompt").getAsString(),
            "--max-tokens",
            String.valueOf(t1.getAsJsonArray("generated_ids").size()),
            "--json");
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().trim().split("\n");
    assertEquals(2, lines.length, r.out());
    assertEquals(
        ids(t1.getAsJsonArray("generated_ids")),
        ids(JsonParser.parseString(lines[0]).getAsJsonObject().getAsJsonArray("token_ids")));
    assertEquals(
        ids(t2.getAsJsonArray("generated_ids")),
        ids(JsonParser.parseString(lines[1]).getAsJsonObject().getAsJsonArray("token_ids")));
  }

  @Test
  void seededSamplingIsReproducible() {
    String[] args = {
      MODEL,
      "--tokenizer",
      TOKENIZER,
      "--prompt",
      "a",
      "--max-tokens",
      "16",
      "--temperature",
      "0.8",
      "--top-k",
      "50",
      "--top-p",
      "0.95",
      "--seed",
      "7",
      "--json"
    };
    Result a = generate("", args), b = generate("", args);
    assertEquals(0, a.code(), a.err());
    String idsA =
        JsonParser.parseString(a.out().trim()).getAsJsonObject().get("token_ids").toString();
    assertEquals(
        idsA, JsonParser.parseString(b.out().trim()).getAsJsonObject().get("token_ids").toString());
  }

  @Test
  void badOptionsAreUsageErrorsAndCustomOpsAModelError() {
    assertEquals(2, generate("", MODEL, "--prompt", "x").code());
    assertEquals(2, generate("", MODEL, "--tokenizer", TOKENIZER).code());
    assertEquals(
        2,
        generate("", MODEL, "--tokenizer", TOKENIZER, "--prompt", "x", "--temperature", "-1")
            .code());
    assertEquals(
        2, generate("", MODEL, "--tokenizer", TOKENIZER, "--prompt", "x", "--top-p", "0").code());
    Result custom =
        generate(
            "",
            DIR.resolve("tiny_llama_custom_sdpa.pte").toString(),
            "--tokenizer",
            TOKENIZER,
            "--prompt",
            "x");
    assertEquals(1, custom.code());
    assertTrue(custom.err().contains("use_sdpa_with_kv_cache=False"), custom.err());
  }

  @Test
  void aMalformedTokenizerIsADataErrorNotARuntimeCode(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path bad =
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": [");
    MainTest.Result r =
        MainTest.cli("generate", MODEL, "--tokenizer", bad.toString(), "--prompt", "x");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().startsWith("executorch4j: invalid JSON at offset "), r.err());
    assertTrue(!r.err().contains("[ExecuTorch 0x"), "the runtime never ran: " + r.err());
  }

  @Test
  void mainDispatchesGenerate() {
    Result r =
        MainTest.cli(
                    "generate",
                    MODEL,
                    "--tokenizer",
                    TOKENIZER,
                    "--prompt",
                    "a",
                    "--max-tokens",
                    "3",
                    "--json")
                instanceof MainTest.Result m
            ? new Result(m.code(), m.out(), m.err())
            : null;
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"generated_tokens\":3"), r.out());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
