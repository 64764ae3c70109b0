package executorch4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The CLI does the main job: inspect, run (text and JSON), demo; errors exit non-zero. */
class MainTest {
  static final Path FIXTURES = Path.of("fixtures").toAbsolutePath();

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static String fixture(String name) {
    return FIXTURES.resolve(name + ".pte").toString();
  }

  @Test
  void runLinearRegressionJsonPrintsSeven() {
    Result r = cli("run", fixture("linear_regression"), "--input", "2", "--json");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "{\"outputs\":[{\"name\":\"output_0\",\"dtype\":\"float32\",\"shape\":[1,1],\"data\":[7.0]}]}",
        r.out().trim());
  }

  @Test
  void isolatedRunReportsAModelThatCrashesTheRuntimeAsWorkerCrashed() {
    String crasher =
        Path.of("fuzz/crashers/crash-019b16337815f65949eea86cc80cea176a091914")
            .toAbsolutePath()
            .toString();
    Result r = cli("run", crasher, "--random", "--isolated");
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("WORKER_CRASHED") && r.err().contains("signal"), r.err());
    Result ok = cli("run", fixture("linear_regression"), "--input", "0", "--isolated");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("[3.0]"), ok.out());
  }

  /** custom_op.pte calls executorch4j_test::mul3.out, which this runtime has no kernel for. */
  @Test
  void inspectNamesTheOperatorsAMethodNeedsAndWhichAreMissing() {
    Result r = cli("inspect", fixture("custom_op"));
    assertEquals(1, r.code(), r.out());
    assertTrue(r.out().contains("method forward"), r.out());
    assertTrue(r.out().contains("  operators (1): executorch4j_test::mul3.out"), r.out());
    assertTrue(
        r.out()
            .contains(
                "  missing operators (no kernel in this runtime): executorch4j_test::mul3.out"),
        r.out());
    assertTrue(r.err().contains("OPERATOR_MISSING"), r.err());

    JsonObject json =
        new Gson().fromJson(cli("inspect", fixture("custom_op"), "--json").out(), JsonObject.class);
    JsonObject forward = json.getAsJsonArray("methods").get(0).getAsJsonObject();
    assertEquals("forward", forward.get("name").getAsString());
    assertEquals("[\"executorch4j_test::mul3.out\"]", forward.get("operators").toString());
    assertEquals("[\"executorch4j_test::mul3.out\"]", forward.get("missing_operators").toString());
  }

  /**
   * mlp_openvino.pte is delegated to OpenVINO; with its runtime looked for in an empty folder only,
   * inspect names the backend, says it is unavailable and how to get it, then fails.
   */
  @Test
  void inspectNamesTheBackendADelegateNeedsAndTheFix() throws IOException {
    Path empty = Files.createTempDirectory("no-openvino");
    String before = System.setProperty("executorch4j.openvino.lib", empty.toString());
    try {
      Result r = cli("inspect", fixture("mlp_openvino"));
      assertEquals(1, r.code(), r.out());
      assertTrue(r.out().contains("method forward  [delegated: OpenvinoBackend]"), r.out());
      assertTrue(
          r.out()
              .contains(
                  "  backend OpenvinoBackend: unavailable — -Dexecutorch4j.openvino.lib="
                      + empty
                      + ": no libopenvino_c.so there; pip install openvino=="),
          r.out());
      assertTrue(r.err().contains("BACKEND_UNAVAILABLE"), r.err());
      assertTrue(r.err().contains("delegated to backend OpenvinoBackend"), r.err());
    } finally {
      if (before == null) {
        System.clearProperty("executorch4j.openvino.lib");
      } else {
        System.setProperty("executorch4j.openvino.lib", before);
      }
      Files.delete(empty);
    }
  }

  /** add_mul.pte computes (a + b, a * b). */
  @Test
  void inspectListsTheOperatorsOfALoadableModel() {
    Result r = cli("inspect", fixture("add_mul"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("  operators (2): aten::add.out, aten::mul.out"), r.out());
    assertTrue(!r.out().contains("missing operators"), r.out());
    JsonObject json =
        new Gson().fromJson(cli("inspect", fixture("add_mul"), "--json").out(), JsonObject.class);
    JsonObject forward = json.getAsJsonArray("methods").get(0).getAsJsonObject();
    assertEquals("[\"aten::add.out\",\"aten::mul.out\"]", forward.get("operators").toString());
    assertEquals("[]", forward.get("missing_operators").toString());
  }

  @Test
  void inspectRuntimeListsBackendsAndOperators() {
    Result r = cli("inspect", "--runtime", "--json");
    assertEquals(0, r.code(), r.err());
    JsonObject json = new Gson().fromJson(r.out(), JsonObject.class);
    assertTrue(json.getAsJsonArray("backends").toString().contains("\"XnnpackBackend\""), r.out());
    String ops = json.getAsJsonArray("operators").toString();
    assertTrue(ops.contains("\"aten::add.out\"") && ops.contains("\"aten::convolution.out\""), ops);
    String status = json.getAsJsonArray("backend_status").toString();
    assertTrue(status.contains("{\"name\":\"XnnpackBackend\",\"available\":true,"), status);
    assertTrue(status.contains("{\"name\":\"OpenvinoBackend\",\"available\":"), status);
    Result text = cli("inspect", "--runtime");
    assertTrue(
        text.out().contains("backends (") && text.out().contains("  aten::add.out"), text.out());
    assertTrue(
        text.out().contains("  XnnpackBackend: available — linked into the runtime\n"), text.out());
    assertTrue(text.out().contains("  CoreMLBackend: unavailable — "), text.out());
    assertEquals(2, cli("inspect", "--runtime", fixture("add_mul")).code());
    assertEquals(
        1, cli("inspect", fixture("add_mul"), "--op-library", "/nonexistent/libops.so").code());
  }

  @Test
  void inspectListsTheDataSegments() {
    Result r = cli("inspect", fixture("mlp_xnnpack"));
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().contains("XnnpackBackend") && r.out().contains("segment named_data"), r.out());
  }

  @Test
  void equalsFormAndNegativeValues() {
    Result r = cli("run", fixture("linear_regression"), "--input=-1", "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"data\":[1.0]"), r.out());
  }

  @Test
  void demoPrintsTheSpecTable() {
    Result r = cli("demo");
    assertEquals(0, r.code(), r.err());
    for (String row :
        List.of(
            "0.0 |      3.0 |      3.0",
            "1.0 |      5.0 |      5.0",
            "2.0 |      7.0 |      7.0",
            "-1.0 |      1.0 |      1.0")) {
      assertTrue(r.out().contains(row), r.out());
    }
  }

  @Test
  void inspectJsonListsMethodsAndShapes() {
    Result r = cli("inspect", fixture("two_methods"), "--json");
    assertEquals(0, r.code(), r.err());
    JsonObject json = new Gson().fromJson(r.out(), JsonObject.class);
    JsonArray methods = json.getAsJsonArray("methods");
    assertEquals(2, methods.size());
    JsonObject in =
        methods.get(0).getAsJsonObject().getAsJsonArray("inputs").get(0).getAsJsonObject();
    assertEquals("float32", in.get("dtype").getAsString());
    assertEquals("[2,2]", in.get("shape").toString());
  }

  @Test
  void inspectTextShowsDelegation() {
    Result r = cli("inspect", fixture("cnn_xnnpack"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("[delegated: XnnpackBackend]"), r.out());
    assertTrue(r.out().contains("input_0    float32[1,3,32,32]"), r.out());
  }

  @Test
  void randomIsDeterministic() {
    Result a = cli("run", fixture("cnn_portable"), "--random", "--json");
    Result b = cli("run", fixture("cnn_portable"), "--random", "--json");
    assertEquals(0, a.code(), a.err());
    assertEquals(a.out(), b.out());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, cli().code());
    assertEquals(2, cli("frobnicate").code());
    assertEquals(2, cli("run").code());
    assertEquals(2, cli("run", fixture("linear_regression")).code(), "no --input");
    assertEquals(2, cli("run", fixture("linear_regression"), "--input", "1,2").code());
    assertEquals(2, cli("run", fixture("linear_regression"), "--input", "abc").code());
    assertEquals(2, cli("run", fixture("two_methods"), "--method", "nope", "--random").code());
    assertEquals(2, cli("inspect", fixture("linear_regression"), "--bogus").code());
  }

  @Test
  void modelErrorsExitOneWithOneLine() throws IOException {
    Path junk = Files.createTempFile("junk", ".pte");
    Files.write(junk, new byte[100]);
    for (String[] args :
        List.of(
            new String[] {"run", "missing.pte", "--random"},
            new String[] {"inspect", junk.toString()})) {
      Result r = cli(args);
      assertEquals(1, r.code());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().startsWith("executorch4j: [ExecuTorch 0x"), r.err());
    }
  }

  /**
   * Fixtures with goldens, but custom_op: it needs a kernel registered (core's
   * CustomOperatorProcessTest runs it), and mlp_openvino, which needs OpenVINO's runtime.
   */
  static Stream<String> fixtures() {
    try (Stream<Path> files = Files.list(FIXTURES)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".golden.json"))
          .map(n -> n.replace(".golden.json", ""))
          .filter(n -> !n.equals("custom_op"))
          .filter(n -> !n.equals("mlp_openvino")) // needs OpenVINO's runtime (core's BackendsTest)
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Every fixture through the CLI, fed its golden inputs, prints its golden outputs. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void everyFixtureRunsThroughTheCli(String name) throws IOException {
    JsonObject golden =
        new Gson()
            .fromJson(Files.readString(FIXTURES.resolve(name + ".golden.json")), JsonObject.class);
    double atol = golden.getAsJsonObject("tolerance").get("atol").getAsDouble();
    double rtol = golden.getAsJsonObject("tolerance").get("rtol").getAsDouble();
    int checked = 0;
    int cases = 0;
    int skipped = 0;
    for (var method : golden.getAsJsonObject("methods").entrySet()) {
      for (JsonElement c : method.getValue().getAsJsonObject().getAsJsonArray("cases")) {
        JsonObject kase = c.getAsJsonObject();
        List<String> args =
            new ArrayList<>(List.of("run", fixture(name), "--method", method.getKey(), "--json"));
        boolean fullShape = true;
        Result meta = cli("inspect", fixture(name), "--json");
        for (int i = 0; i < kase.getAsJsonArray("inputs").size(); i++) {
          JsonArray data =
              kase.getAsJsonArray("inputs").get(i).getAsJsonObject().getAsJsonArray("data");
          args.add("--input");
          args.add(
              IntStream.range(0, data.size())
                  .mapToObj(k -> data.get(k).getAsString())
                  .collect(Collectors.joining(",")));
          fullShape &=
              meta.out()
                  .contains(
                      "\"shape\":"
                          + kase.getAsJsonArray("inputs").get(i).getAsJsonObject().get("shape"));
        }
        cases++;
        if (!fullShape) {
          skipped++; // the CLI reshapes to the declared shape; smaller dynamic shapes are Java-API
          // only
          continue;
        }
        Result r = cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonArray outputs =
            new Gson().fromJson(r.out(), JsonObject.class).getAsJsonArray("outputs");
        JsonArray expected = kase.getAsJsonArray("outputs");
        assertEquals(expected.size(), outputs.size());
        for (int o = 0; o < expected.size(); o++) {
          JsonObject e = expected.get(o).getAsJsonObject();
          JsonObject g = outputs.get(o).getAsJsonObject();
          assertEquals(e.get("dtype"), g.get("dtype"));
          assertEquals(e.get("shape"), g.get("shape"));
          JsonArray ed = e.getAsJsonArray("data");
          JsonArray gd = g.getAsJsonArray("data");
          assertEquals(ed.size(), gd.size());
          for (int k = 0; k < ed.size(); k++) {
            double want = ed.get(k).getAsDouble();
            double got =
                gd.get(k).isJsonPrimitive() && gd.get(k).getAsJsonPrimitive().isBoolean()
                    ? (gd.get(k).getAsBoolean() ? 1 : 0)
                    : gd.get(k).getAsDouble();
            if (Math.abs(got - want) > atol + rtol * Math.abs(want)) {
              fail(name + " output_" + o + "[" + k + "]: expected " + want + ", got " + got);
            }
          }
        }
        checked++;
      }
    }
    assertEquals(
        SMALLER_THAN_DECLARED.getOrDefault(name, 0),
        skipped,
        "golden cases whose input shape is smaller than the declared one (the CLI cannot feed them)");
    assertEquals(cases - skipped, checked, "every other golden case went through the CLI");
    assertTrue(checked > 0, "at least one golden case per fixture goes through the CLI");
  }

  /** Fixtures with golden cases shaped smaller than the program declares, and how many. */
  private static final Map<String, Integer> SMALLER_THAN_DECLARED = Map.of("dynamic_batch", 2);

  @Test
  void profileOnTheXnnpackCnnAndTheMlp() throws IOException {
    Result cnn = cli("run", fixture("cnn_xnnpack"), "--random", "--profile");
    assertEquals(0, cnn.code(), cnn.err());
    assertTrue(cnn.out().contains("DELEGATE_CALL XnnpackBackend"), cnn.out());
    assertTrue(cnn.out().contains("Convolution (NHWC, F32)"), cnn.out());
    Path trace = Files.createTempFile("trace", ".json");
    Path etdump = Files.createTempFile("run", ".etdump");
    Result mlp =
        cli(
            "run",
            fixture("mlp_portable"),
            "--random",
            "--profile",
            "--trace",
            trace.toString(),
            "--etdump",
            etdump.toString());
    assertEquals(0, mlp.code(), mlp.err());
    assertTrue(mlp.out().contains("aten::addmm.out"), mlp.out());
    assertTrue(
        new Gson()
                .fromJson(Files.readString(trace), JsonObject.class)
                .getAsJsonArray("traceEvents")
                .size()
            > 0);
    assertTrue(Files.size(etdump) > 64);
  }

  @Test
  void benchPrintsPercentiles() {
    Result r =
        cli(
            "bench",
            fixture("linear_regression"),
            "--iterations",
            "200",
            "--warmup",
            "50",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonObject json = new Gson().fromJson(r.out(), JsonObject.class);
    assertEquals(200, json.get("iterations").getAsInt());
    assertTrue(json.get("p50_us").getAsDouble() <= json.get("p99_us").getAsDouble(), r.out());
  }

  @Test
  void staticPoolAndLevelOptions() {
    Result small = cli("run", fixture("mlp_portable"), "--random", "--pool", "1024");
    assertEquals(1, small.code());
    assertTrue(small.err().contains("STATIC pool too small"), small.err());
    Result inspect = cli("inspect", fixture("mlp_portable"));
    String needed = inspect.out().replaceAll("(?s).*STATIC pool needed: (\\d+) bytes.*", "$1");
    Result fits =
        cli("run", fixture("mlp_portable"), "--random", "--pool", needed, "--level", "aggressive");
    assertEquals(0, fits.code(), fits.err());
  }
}
