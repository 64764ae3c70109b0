package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text generation on ExecuTorchResource in the host harness (as GodotHarnessTest runs scenarios,
 * with executorch4j-llm on the class path): generate() returns a request id, the pieces and the end
 * arrive as signals on the main thread, the text and token ids are PyTorch eager's
 * (fixtures/llm/tiny_llama.golden.json; the text decoded by the reference tokenizers library).
 */
class GodotGenerationTest {
  static final Path GODOT = Path.of("godot/target/native");

  @TempDir Path tmp;

  static String quoted(String s) {
    return '"'
        + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t")
        + '"';
  }

  @Test
  void generateStreamsPiecesAndCompletesWithPyTorchsTokens() throws Exception {
    JsonObject golden =
        JsonParser.parseString(Files.readString(Path.of("fixtures/llm/tiny_llama.golden.json")))
            .getAsJsonObject();
    JsonObject c = golden.getAsJsonArray("cases").get(0).getAsJsonObject();
    int[] ids =
        c.getAsJsonArray("generated_ids").asList().stream().mapToInt(e -> e.getAsInt()).toArray();
    String llm = Path.of("fixtures/llm").toAbsolutePath().toString();
    String prompt = quoted(c.get("prompt").getAsString());
    String scenario =
        String.join(
            "\n",
            "new m ExecuTorchResource",
            "expect m generate " + prompt + " {} == -1",
            "expect m load_from_file \"" + llm + "/tiny_llama.pte\" == 0",
            "expect m generate " + prompt + " {} == -1",
            "expect m load_tokenizer \"" + llm + "/tokenizer.json\" == 0",
            "expect m generate "
                + prompt
                + " {\"max_tokens\": "
                + ids.length
                + ", \"stream\": false} == 1",
            "idle 1",
            "expect_signal m generation_completed 1 "
                + quoted(c.get("generated_text").getAsString())
                + " \"max_tokens\"",
            "call m get_last_generation",
            "expect m generate " + prompt + " {\"max_tokens\": 1, \"reset_context\": true} == 2",
            "idle 2",
            "expect_signal m text_generated 2 " + quoted(c.get("first_token_text").getAsString()),
            "expect_signal m generation_completed 2 "
                + quoted(c.get("first_token_text").getAsString())
                + " \"max_tokens\"",
            "expect_errors 2",
            "free m",
            "");
    Path file = tmp.resolve("generate.scn");
    Files.writeString(file, scenario);
    Files.createDirectories(tmp.resolve("user"));
    Path host = GODOT.resolve("gdhost");
    assertTrue(Files.isExecutable(host), "the harness is built by native-libs/build.sh: " + host);
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                host.toAbsolutePath().toString(),
                GODOT.resolve("libexecutorch4j_godot.so").toAbsolutePath().toString(),
                "executorch4j_library_init",
                file.toString()));
    Map<String, String> env = pb.environment();
    env.put("EXECUTORCH4J_JAVA_HOME", System.getProperty("java.home"));
    env.put(
        "EXECUTORCH4J_CLASSPATH",
        String.join(
            ":",
            Path.of("core/target/classes").toAbsolutePath().toString(),
            Path.of("llm/target/classes").toAbsolutePath().toString(),
            Path.of("godot/target/classes").toAbsolutePath().toString()));
    HostRun run = HostRun.of(pb);
    String out = run.out();
    int code = run.exitCode();
    System.out.println("--- generate.scn (exit " + code + ")\n" + out);
    assertEquals(0, code, out);
    assertTrue(!out.contains("FAIL") && !out.contains("UNIMPLEMENTED"), out);
    assertTrue(out.contains("no tokenizer") && out.contains("no model loaded"), out);
    Matcher m = Pattern.compile("\"token_ids\": PackedInt32Array\\(([^)]*)\\)").matcher(out);
    assertTrue(m.find(), out);
    int[] got =
        Arrays.stream(m.group(1).split(","))
            .map(String::strip)
            .mapToInt(Integer::parseInt)
            .toArray();
    assertArrayEquals(ids, got);
  }
}
