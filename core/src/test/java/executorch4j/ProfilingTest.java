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
import org.junit.jupiter.api.Test;

/** Per-operator profiling names every kernel and delegate op from the program itself. */
class ProfilingTest {

  static ProfileReport profileOf(String fixture, Map<String, ?> inputs) {
    try (var model = ExecuTorchModel.load(Fixtures.pte(fixture), LoadOptions.defaults().withProfiling(true))) {
      model.forward(inputs);
      return model.profile();
    }
  }

  @Test
  void portableCnnRowsAreTheProgramsOperators() {
    ProfileReport r = profileOf("cnn_portable", Map.of("input_0", new float[3 * 32 * 32]));
    Map<String, Long> calls = r.rows().stream().collect(Collectors.toMap(ProfileReport.Row::name, ProfileReport.Row::calls));
    assertEquals(Map.of("aten::convolution.out", 2L, "aten::relu.out", 2L, "aten::mean.out", 1L,
        "aten::permute_copy.out", 1L, "aten::addmm.out", 1L), calls);
    assertTrue(r.rows().stream().noneMatch(row -> row.name().contains("#")), "no bare indices");
    double share = r.rows().stream().mapToDouble(ProfileReport.Row::share).sum();
    assertEquals(1.0, share, 1e-9, "operator shares add up to the whole execute");
    assertTrue(r.totalNanos() > 0);
    for (ProfileReport.Row row : r.rows()) {
      assertTrue(row.minNanos() <= row.meanNanos() && row.meanNanos() <= row.maxNanos(), row.toString());
    }
  }

  @Test
  void xnnpackReportsTheDelegateAndItsInternalOperators() {
    ProfileReport r = profileOf("cnn_xnnpack", Map.of("input_0", new float[3 * 32 * 32]));
    Set<String> names = r.rows().stream().map(ProfileReport.Row::name).collect(Collectors.toSet());
    assertTrue(names.contains("DELEGATE_CALL XnnpackBackend"), names.toString());
    assertTrue(r.rows().stream().anyMatch(row -> row.kind() == ProfileReport.Kind.DELEGATE_OPERATOR
        && row.name().startsWith("Convolution")), names.toString());
  }

  @Test
  void twoMethodsProfileTheMethodThatRan() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("two_methods"), LoadOptions.defaults().withProfiling(true))) {
      model.execute("affine", Map.of("input_0", new float[4]));
      ProfileReport r = model.profile();
      assertEquals("affine", r.method());
      assertTrue(r.rows().stream().anyMatch(row -> row.name().equals("aten::add.out")), r.toTable());
    }
  }

  @Test
  void tableTraceAndEtdump() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"), LoadOptions.defaults().withProfiling(true))) {
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
      assertEquals("ED00", new String(etdump, 8, 4, java.nio.charset.StandardCharsets.US_ASCII),
          "ETDump file identifier");
      assertEquals(etdump.length - 4, java.nio.ByteBuffer.wrap(etdump).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0));
    }
  }

  @Test
  void enableAndDisableAtRunTime() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertFalse(model.isProfiling());
      assertEquals(ErrorCode.INVALID_STATE, assertThrows(ExecuTorchException.class, model::profile).errorCode());
      model.enableProfiling(true);
      assertEquals(7f, model.forward(Map.of("input_0", new float[] {2})).get("output_0").toFloatArray()[0], 1e-6);
      assertEquals(Set.of("aten::addmm.out", "aten::permute_copy.out"),
          model.profile().rows().stream().map(ProfileReport.Row::name).collect(Collectors.toSet()),
          "nn.Linear exports to a weight transpose and an addmm");
      model.enableProfiling(false);
      assertEquals(ErrorCode.INVALID_STATE, assertThrows(ExecuTorchException.class, model::profile).errorCode());
      assertEquals(5f, model.forward(Map.of("input_0", new float[] {1})).get("output_0").toFloatArray()[0], 1e-6);
    }
  }
}
