package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Per-operator profiling names every kernel and delegate op from the program itself. */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class ProfilingTest {

  /** Slack between the profiler's clock and the model's execute timer. */
  static final long SLACK_NANOS = 2_000_000;

  static Map<String, Long> operatorCalls(ProfileReport r) {
    return r.events().stream()
        .filter(e -> e.kind() == ProfileReport.Kind.OPERATOR)
        .collect(Collectors.groupingBy(ProfileReport.Event::name, Collectors.counting()));
  }

  @Test
  void portableCnnEventsAreTheExportedGraphsOperatorCalls() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_portable"), LoadOptions.defaults().withProfiling(true))) {
      for (int run = 0; run < 3; run++) {
        model.forward(Map.of("input_0", new float[3 * 32 * 32]));
        long executeNanos = model.inferenceStats().lastNanos();
        ProfileReport r = model.profile();
        // Conv-ReLU-Conv-ReLU-AdaptiveAvgPool-Linear exports to these out-variant kernels, one
        // event
        // per call of this one execute (the profile is of the last execute only).
        Map<String, Long> expected =
            Map.of(
                "aten::convolution.out",
                2L,
                "aten::relu.out",
                2L,
                "aten::mean.out",
                1L,
                "aten::permute_copy.out",
                1L,
                "aten::addmm.out",
                1L);
        assertEquals(expected, operatorCalls(r), "run " + run);
        assertEquals(
            expected,
            r.rows().stream()
                .filter(row -> row.kind() == ProfileReport.Kind.OPERATOR)
                .collect(Collectors.toMap(ProfileReport.Row::name, ProfileReport.Row::calls)));
        assertTrue(r.rows().stream().noneMatch(row -> row.name().contains("#")), "no bare indices");
        long previousStart = Long.MIN_VALUE;
        long sum = 0;
        for (ProfileReport.Event e : r.events()) {
          assertTrue(e.durationNanos() >= 0, e.toString());
          assertTrue(
              e.durationNanos() <= executeNanos + SLACK_NANOS,
              e + " outlasts the execute (" + executeNanos + " ns)");
          if (e.kind() == ProfileReport.Kind.OPERATOR) {
            assertTrue(e.startNanos() >= previousStart, "operators run in order: " + r.events());
            previousStart = e.startNanos();
            sum += e.durationNanos();
          }
        }
        // The operators run one after another inside the execute.
        assertTrue(
            sum <= executeNanos + SLACK_NANOS,
            "operators " + sum + " ns vs execute " + executeNanos + " ns");
        for (ProfileReport.Row row : r.rows()) {
          assertTrue(
              row.minNanos() <= row.meanNanos() && row.meanNanos() <= row.maxNanos(),
              row.toString());
        }
      }
    }
  }

  @Test
  void xnnpackReportsTheDelegateAndItsInternalOperators() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_xnnpack"), LoadOptions.defaults().withProfiling(true))) {
      model.forward(Map.of("input_0", new float[3 * 32 * 32]));
      long executeNanos = model.inferenceStats().lastNanos();
      ProfileReport r = model.profile();
      Set<String> names =
          r.rows().stream().map(ProfileReport.Row::name).collect(Collectors.toSet());
      // Fully delegated: one delegate call per execute, no portable kernel.
      assertEquals(
          1,
          r.events().stream()
              .filter(
                  e ->
                      e.kind() == ProfileReport.Kind.DELEGATE
                          && e.name().equals("DELEGATE_CALL XnnpackBackend"))
              .count(),
          names.toString());
      assertEquals(
          Map.of(), operatorCalls(r), "no portable operator runs in a fully delegated program");
      // XNNPACK reports its own operators; the CNN has two convolutions.
      assertTrue(
          r.events().stream()
                  .filter(
                      e ->
                          e.kind() == ProfileReport.Kind.DELEGATE_OPERATOR
                              && e.name().startsWith("Convolution"))
                  .count()
              >= 2,
          names.toString());
      for (ProfileReport.Event e : r.events()) {
        assertTrue(
            e.durationNanos() >= 0 && e.durationNanos() <= executeNanos + SLACK_NANOS,
            e.toString());
      }
    }
  }

  @Test
  void twoMethodsProfileTheMethodThatRan() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("two_methods"), LoadOptions.defaults().withProfiling(true))) {
      model.execute("affine", Map.of("input_0", new float[4]));
      ProfileReport r = model.profile();
      assertEquals("affine", r.method());
      assertTrue(
          r.rows().stream().anyMatch(row -> row.name().equals("aten::add.out")), r.toTable());
    }
  }

  @Test
  void tableTraceAndEtdump() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("mlp_portable"), LoadOptions.defaults().withProfiling(true))) {
      model.forward(Map.of("input_0", new float[16]));
      ProfileReport r = model.profile();
      String table = r.toTable();
      assertTrue(table.startsWith("operator"), table);
      assertTrue(table.contains("aten::addmm.out"), table);
      JsonObject trace = new Gson().fromJson(r.toChromeTrace(), JsonObject.class);
      var events = trace.getAsJsonArray("traceEvents");
      assertEquals(r.events().size(), events.size());
      assertEquals("X", events.get(0).getAsJsonObject().get("ph").getAsString());
      byte[] etdump = model.etdump();
      assertTrue(etdump.length > 64, "an ETDump flatbuffer");
      // A size-prefixed flatbuffer: u32 size, u32 root offset, then the "ED00" identifier.
      assertEquals(
          "ED00",
          new String(etdump, 8, 4, java.nio.charset.StandardCharsets.US_ASCII),
          "ETDump file identifier");
      assertEquals(
          etdump.length - 4,
          java.nio.ByteBuffer.wrap(etdump).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0));
    }
  }

  @Test
  void enableAndDisableAtRunTime() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertFalse(model.isProfiling());
      assertEquals(
          ErrorCode.INVALID_STATE,
          assertThrows(ExecuTorchException.class, model::profile).errorCode());
      model.enableProfiling(true);
      assertEquals(
          7f,
          model.forward(Map.of("input_0", new float[] {2})).get("output_0").toFloatArray()[0],
          1e-6);
      assertEquals(
          Map.of("aten::addmm.out", 1L, "aten::permute_copy.out", 1L),
          operatorCalls(model.profile()),
          "nn.Linear exports to one weight transpose and one addmm per execute");
      model.enableProfiling(false);
      assertEquals(
          ErrorCode.INVALID_STATE,
          assertThrows(ExecuTorchException.class, model::profile).errorCode());
      assertEquals(
          5f,
          model.forward(Map.of("input_0", new float[] {1})).get("output_0").toFloatArray()[0],
          1e-6);
    }
  }
}
