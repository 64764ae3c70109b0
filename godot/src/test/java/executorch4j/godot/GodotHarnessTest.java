package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import executorch4j.ExecuTorchModel;
import executorch4j.Segment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GDExtension loaded by the host harness ({@code godot/native/host}) the way Godot 4.3 loads
 * it: entry symbol, get_proc_address, init levels, class registration, Variant calls and ptrcalls,
 * deinit. Each scenario in src/test/resources/godot runs in its own harness process (which starts
 * its own JVM through the shim); the harness fails on any unimplemented interface function, a
 * failed expectation, or a class left registered.
 */
class GodotHarnessTest {
  static final Path GODOT = Path.of("godot/target/native");
  static final Path SCENARIOS = Path.of("godot/src/test/resources/godot");

  /** Scenarios whose output the dedicated tests below check further (they run there). */
  static final java.util.Set<String> CHECKED_FURTHER =
      java.util.Set.of("streaming.scn", "saver.scn", "inspector.scn", "nesting.scn");

  @TempDir Path tmp;

  static Stream<String> scenarios() throws IOException {
    try (var s = Files.list(SCENARIOS)) {
      return s
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".scn") && !CHECKED_FURTHER.contains(n))
          .sorted()
          .toList()
          .stream();
    }
  }

  static String run(Path scenario, Path tmp) throws Exception {
    Path host = GODOT.resolve("gdhost");
    Path lib = GODOT.resolve("libexecutorch4j_godot.so");
    assertTrue(Files.isExecutable(host), "the harness is built by native-libs/build.sh: " + host);
    Files.createDirectories(tmp.resolve("user"));
    String text =
        substitute(
            Files.readString(scenario)
                .replace("${FIXTURES}", Path.of("fixtures").toAbsolutePath().toString())
                .replace("${TMP}", tmp.toString())
                .replace("${ROOT}", Path.of("").toAbsolutePath().toString()));
    Path concrete = tmp.resolve(scenario.getFileName());
    Files.writeString(concrete, text);
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                host.toAbsolutePath().toString(),
                lib.toAbsolutePath().toString(),
                "executorch4j_library_init",
                concrete.toString()));
    Map<String, String> env = pb.environment();
    env.put("EXECUTORCH4J_JAVA_HOME", System.getProperty("java.home"));
    env.put(
        "EXECUTORCH4J_CLASSPATH",
        Path.of("core/target/classes").toAbsolutePath()
            + ":"
            + Path.of("godot/target/classes").toAbsolutePath());
    HostRun run = HostRun.of(pb);
    String out = run.out();
    int code = run.exitCode();
    System.out.println("--- " + scenario.getFileName() + " (exit " + code + ")\n" + out);
    assertEquals(0, code, "harness exit code; output:\n" + out);
    assertTrue(!out.contains("FAIL") && !out.contains("UNIMPLEMENTED"), out);
    return out;
  }

  /**
   * {@code ${GOLDEN_INPUT:name}}: the first golden input of a fixture, as a PackedFloat32Array;
   * {@code ${FILE_SIZE:name}}: the size of its .pte. Values come from the exported fixtures, never
   * from the scenario.
   */
  static String substitute(String text) throws IOException {
    Matcher m = Pattern.compile("\\$\\{(GOLDEN_INPUT|FILE_SIZE):(\\w+)}").matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          m.group(1).equals("FILE_SIZE")
              ? String.valueOf(Files.size(Path.of("fixtures", m.group(2) + ".pte")))
              : packed(goldenCase(m.group(2)).getAsJsonArray("inputs").get(0).getAsJsonObject());
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  static JsonObject goldenCase(String name) throws IOException {
    JsonObject golden =
        JsonParser.parseString(Files.readString(Path.of("fixtures", name + ".golden.json")))
            .getAsJsonObject();
    return golden
        .getAsJsonObject("methods")
        .getAsJsonObject("forward")
        .getAsJsonArray("cases")
        .get(0)
        .getAsJsonObject();
  }

  private static String packed(JsonObject value) {
    StringBuilder b = new StringBuilder("PackedFloat32Array(");
    JsonArray data = value.getAsJsonArray("data");
    for (int i = 0; i < data.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(data.get(i).getAsDouble());
    }
    return b.append(')').toString();
  }

  /** The float values printed for {@code call VAR forward ...}, in order of appearance. */
  static List<double[]> forwardResults(String out, String var) {
    List<double[]> results = new ArrayList<>();
    String[] lines = out.split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("> call " + var + " forward")) {
        Matcher m = Pattern.compile("PackedFloat32Array\\(([^)]*)\\)").matcher(lines[i + 1]);
        if (m.find()) {
          results.add(
              Arrays.stream(m.group(1).split(","))
                  .map(String::strip)
                  .mapToDouble(Double::parseDouble)
                  .toArray());
        }
      }
    }
    return results;
  }

  /**
   * An input Array that contains itself, and one nested 70 levels deep, each fail the call with the
   * nesting limit's error (not a StackOverflowError, which a thread may not survive in native
   * code).
   */
  @Test
  void inputsNestedPastTheLimitAreAClearError() throws Exception {
    String out = run(SCENARIOS.resolve("nesting.scn"), tmp);
    Matcher m =
        Pattern.compile("nested more than 64 levels deep \\(does it contain itself\\?\\)")
            .matcher(out);
    int errors = 0;
    while (m.find()) {
      errors++;
    }
    assertEquals(1, errors, out);
    assertFalse(out.contains("StackOverflowError"), out);
  }

  /**
   * Streaming from a pack: the harness logs every FileAccess read. The largest single read is one
   * segment (the MLP's largest weight blob), each segment is read once, in one read.
   */
  @Test
  void packedModelsStreamSegmentBySegment() throws Exception {
    byte[] pack = Files.readAllBytes(Path.of("fixtures/godot/models.pck"));
    Files.write(tmp.resolve("cut_in_directory.pck"), Arrays.copyOf(pack, 100));
    Files.write(tmp.resolve("cut_in_data.pck"), Arrays.copyOf(pack, pack.length - 100));
    String out = run(SCENARIOS.resolve("streaming.scn"), tmp);
    List<long[]> reads = new ArrayList<>();
    Matcher m =
        Pattern.compile("read res://models/mlp\\.pte offset=(\\d+) size=(\\d+)").matcher(out);
    while (m.find()) {
      reads.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
    }
    assertFalse(reads.isEmpty(), out);
    Path mlp = Path.of("fixtures", "mlp_xnnpack.pte");
    try (ExecuTorchModel model = ExecuTorchModel.load(mlp)) {
      List<Segment> segments = model.segments().stream().filter(s -> s.size() > 0).toList();
      long largestSegment = segments.stream().mapToLong(Segment::size).max().orElseThrow();
      long largestRead = reads.stream().mapToLong(r -> r[1]).max().orElseThrow();
      assertEquals(largestSegment, largestRead, "the largest read is one segment");
      assertTrue(largestRead < Files.size(mlp));
      for (Segment s : segments) {
        assertEquals(
            1,
            reads.stream().filter(r -> r[0] == s.offset() && r[1] == s.size()).count(),
            s + " read once, in one read");
      }
    }
    // The pack-loaded MLP computes what PyTorch computed for the same input.
    JsonObject golden = goldenCase("mlp_xnnpack");
    JsonArray expected =
        golden.getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
    double[] got = forwardResults(out, "mlp").getFirst();
    assertEquals(expected.size(), got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected.get(i).getAsDouble(), got[i], 1e-4, "output " + i);
    }
  }

  /** The saved-and-reloaded model gives the outputs of the original. */
  @Test
  void savedModelGivesIdenticalOutputs() throws Exception {
    Files.createDirectories(tmp.resolve("user"));
    Files.copy(Path.of("fixtures/linear_regression.pte"), tmp.resolve("user/badcfg.pte"));
    Files.writeString(tmp.resolve("user/badcfg.pte.cfg"), "[executorch]\nmemory_policy=9\n");
    String out = run(SCENARIOS.resolve("saver.scn"), tmp);
    List<double[]> original = forwardResults(out, "m");
    List<double[]> saved = forwardResults(out, "s");
    assertEquals(1, original.size(), out);
    assertEquals(1, saved.size(), out);
    assertArrayEquals(original.getFirst(), saved.getFirst());
    assertArrayEquals(
        Files.readAllBytes(Path.of("fixtures", "mlp_xnnpack.pte")),
        Files.readAllBytes(tmp.resolve("user/saved_mlp.pte")),
        "the .pte is saved byte for byte");
    String settings = Files.readString(tmp.resolve("user/saved_mlp.pte.cfg"));
    assertTrue(
        settings.contains("optimization_level=0")
            && settings.contains("memory_policy=1")
            && settings.contains("pool_size_bytes=65536"),
        settings);
  }

  /** The inspector's view: settings with enum and range hints, model info read-only. */
  @Test
  void inspectorSeesHintsAndReadOnlyModelInfo() throws Exception {
    String out = run(SCENARIOS.resolve("inspector.scn"), tmp);
    long size = Files.size(Path.of("fixtures", "mlp_xnnpack.pte"));
    int readOnly = 4 | 268435456; // PROPERTY_USAGE_EDITOR | PROPERTY_USAGE_READ_ONLY
    for (String line :
        List.of(
            "property memory_policy: int = 0 hint=2 hint_string=\"Auto,Static,Custom\" usage=6",
            "property optimization_level: int = 1 hint=2 hint_string=\"None,Basic,Aggressive\" usage=6",
            "property pool_size_bytes: int = 0 hint=1 hint_string=\"0,1073741824,1,suffix:B\" usage=6",
            "group \"Model Info\" prefix \"info_\"",
            "property info_methods: PackedStringArray = PackedStringArray(\"forward\") hint=0 hint_string=\"\" usage="
                + readOnly,
            "property info_inputs: PackedStringArray = PackedStringArray(\"input_0: float32[1,16]\") hint=0 hint_string=\"\" usage="
                + readOnly,
            "property info_backends: PackedStringArray = PackedStringArray(\"XnnpackBackend\") hint=0 hint_string=\"\" usage="
                + readOnly,
            "property info_file_size: int = "
                + size
                + " hint=0 hint_string=\"\" usage="
                + readOnly)) {
      assertTrue(out.contains(line), "missing: " + line + "\n" + out);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenarioPasses(String name) throws Exception {
    run(SCENARIOS.resolve(name), tmp);
  }
}
