package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GDExtension loaded by the host harness ({@code native-libs/godot/host}) the way Godot 4.3
 * loads it: entry symbol, get_proc_address, init levels, class registration, Variant calls and
 * ptrcalls, deinit. Each scenario in src/test/resources/godot runs in its own harness process
 * (which starts its own JVM through the shim); the harness fails on any unimplemented interface
 * function, a failed expectation, or a class left registered.
 */
class GodotHarnessTest {
  static final Path GODOT = Path.of("target/godot");
  static final Path SCENARIOS = Path.of("src/test/resources/godot");

  @TempDir Path tmp;

  static Stream<String> scenarios() throws IOException {
    try (var s = Files.list(SCENARIOS)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".scn")).sorted().toList().stream();
    }
  }

  static String run(Path scenario, Path tmp) throws Exception {
    Path host = GODOT.resolve("gdhost");
    Path lib = GODOT.resolve("libexecutorch4j_godot.so");
    assertTrue(Files.isExecutable(host), "the harness is built by native-libs/build.sh: " + host);
    String text = Files.readString(scenario)
        .replace("${FIXTURES}", Path.of("fixtures").toAbsolutePath().toString())
        .replace("${TMP}", tmp.toString());
    Path concrete = tmp.resolve(scenario.getFileName());
    Files.writeString(concrete, text);
    ProcessBuilder pb = new ProcessBuilder(List.of(host.toAbsolutePath().toString(),
        lib.toAbsolutePath().toString(), "executorch4j_library_init", concrete.toString()));
    Map<String, String> env = pb.environment();
    env.put("EXECUTORCH4J_JAVA_HOME", System.getProperty("java.home"));
    env.put("EXECUTORCH4J_CLASSPATH", Path.of("target/classes").toAbsolutePath().toString());
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int code = p.waitFor();
    System.out.println("--- " + scenario.getFileName() + " (exit " + code + ")\n" + out);
    assertEquals(0, code, "harness exit code; output:\n" + out);
    assertTrue(!out.contains("FAIL") && !out.contains("UNIMPLEMENTED"), out);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenarioPasses(String name) throws Exception {
    run(SCENARIOS.resolve(name), tmp);
  }
}
