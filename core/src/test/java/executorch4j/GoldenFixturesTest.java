package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every exported fixture reproduces PyTorch eager's outputs within its stated tolerance. */
class GoldenFixturesTest {

  /** The fixtures fixtures/README.md lists with goldens, and their case counts (all methods). */
  static final Map<String, Integer> EXPECTED_CASES =
      Map.ofEntries(
          Map.entry("add_mul", 2),
          Map.entry("cnn_portable", 2),
          Map.entry("cnn_xnnpack", 2),
          Map.entry("dtypes", 2),
          Map.entry("dynamic_batch", 3),
          Map.entry("linear_regression", 4),
          Map.entry("mlp_fp16", 3),
          Map.entry("mlp_int8_xnnpack", 3),
          Map.entry("mlp_portable", 3),
          Map.entry("mlp_xnnpack", 3),
          Map.entry("six_inputs", 2),
          Map.entry("token_embedding", 2),
          Map.entry("two_methods", 4),
          Map.entry("unsigned", 2));

  /**
   * Cases the Map interface cannot express: it reshapes plain arrays to the declared (upper bound)
   * shape, so dynamic_batch's batch 1 and batch 3 cases (of [8,4]) go through Tensors only.
   */
  static final Map<String, List<String>> DICTIONARY_SKIPS =
      Map.of("dynamic_batch", List.of("forward#0", "forward#1"));

  @org.junit.jupiter.api.Test
  void everyDocumentedFixtureHasAGolden() {
    assertEquals(
        new java.util.TreeSet<>(EXPECTED_CASES.keySet()),
        new java.util.TreeSet<>(Fixtures.names().toList()));
    for (var e : EXPECTED_CASES.entrySet()) {
      int cases =
          Fixtures.golden(e.getKey()).methods().values().stream()
              .mapToInt(m -> m.cases().size())
              .sum();
      assertEquals(e.getValue(), cases, e.getKey() + " cases");
    }
  }

  static Stream<String> fixtures() {
    return Fixtures.names();
  }

  /** Each fixture once per way of loading it. */
  static Stream<Arguments> fixturesBySource() {
    return Fixtures.names()
        .flatMap(n -> Stream.of("mmap", "file", "bytes", "stream").map(s -> Arguments.of(n, s)));
  }

  static ExecuTorchModel open(String name, String source) throws IOException {
    var path = Fixtures.pte(name);
    return switch (source) {
      case "mmap" -> ExecuTorchModel.load(path);
      case "file" -> ExecuTorchModel.load(path, LoadOptions.defaults().withLoadMode(LoadMode.FILE));
      case "bytes" -> ExecuTorchModel.load(ModelSource.bytes(Files.readAllBytes(path)));
      case "stream" ->
          ExecuTorchModel.load(
              ModelSource.channel(FileChannel.open(path, StandardOpenOption.READ)));
      default -> throw new IllegalArgumentException(source);
    };
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("fixturesBySource")
  void tensorInterfaceMatchesGolden(String name, String source) throws IOException {
    Fixtures.Golden golden = Fixtures.golden(name);
    int checked = 0;
    try (ExecuTorchModel model = open(name, source)) {
      for (var method : golden.methods().entrySet()) {
        List<Fixtures.Case> cases = method.getValue().cases();
        for (int c = 0; c < cases.size(); c++) {
          Fixtures.Case kase = cases.get(c);
          Tensor[] inputs =
              kase.inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
          Map<String, Tensor> out = model.execute(method.getKey(), inputs);
          assertEquals(kase.outputs().size(), out.size(), "output count");
          for (int o = 0; o < kase.outputs().size(); o++) {
            Fixtures.assertMatches(
                kase.outputs().get(o),
                out.get("output_" + o),
                golden.tolerance(),
                name + "." + method.getKey() + " case " + c + " output_" + o);
          }
          checked++;
        }
      }
    }
    assertEquals(EXPECTED_CASES.get(name), checked, name + " cases checked");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void dictionaryInterfaceMatchesGolden(String name) {
    Fixtures.Golden golden = Fixtures.golden(name);
    int checked = 0;
    List<String> skipped = new java.util.ArrayList<>();
    try (ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(name))) {
      for (var method : golden.methods().entrySet()) {
        for (int c = 0; c < method.getValue().cases().size(); c++) {
          Fixtures.Case kase = method.getValue().cases().get(c);
          MethodMeta meta = model.methodMeta(method.getKey());
          boolean fullShape = true;
          Map<String, Object> inputs = new LinkedHashMap<>();
          for (int i = 0; i < kase.inputs().size(); i++) {
            Fixtures.Value v = kase.inputs().get(i);
            // The Map interface takes plain arrays reshaped to the declared shape.
            fullShape &= v.data().length == meta.inputs().get(i).numel();
            inputs.put("input_" + i, v.data());
          }
          if (!fullShape) {
            skipped.add(
                method.getKey()
                    + "#"
                    + c); // smaller dynamic shapes go through Tensors (tested above)
            continue;
          }
          Map<String, Tensor> out = model.execute(method.getKey(), inputs);
          for (int o = 0; o < kase.outputs().size(); o++) {
            Fixtures.assertMatches(
                kase.outputs().get(o),
                out.get("output_" + o),
                golden.tolerance(),
                name + "." + method.getKey() + " output_" + o);
          }
          checked++;
        }
      }
    }
    assertEquals(
        DICTIONARY_SKIPS.getOrDefault(name, List.of()),
        skipped,
        name + " cases the Map interface skips");
    assertEquals(EXPECTED_CASES.get(name) - skipped.size(), checked, name + " cases checked");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void metadataMatchesGolden(String name) {
    Fixtures.Golden golden = Fixtures.golden(name);
    try (ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(name))) {
      assertEquals(golden.methods().keySet(), new java.util.HashSet<>(model.methodNames()));
      assertEquals(
          PteFile.read(Fixtures.pte(name)).methodNames(), model.methodNames(), "program order");
      for (var method : golden.methods().entrySet()) {
        MethodMeta meta = model.methodMeta(method.getKey());
        Fixtures.Case first = method.getValue().cases().getFirst();
        assertEquals(first.inputs().size(), meta.inputs().size(), "input count");
        assertEquals(first.outputs().size(), meta.outputs().size(), "output count");
        for (int i = 0; i < meta.inputs().size(); i++) {
          TensorMeta t = meta.inputs().get(i);
          assertEquals("input_" + i, t.name());
          assertEquals(first.inputs().get(i).type(), t.dtype());
          assertEquals(t.numel() * t.dtype().byteSize(), t.nbytes());
        }
        for (int i = 0; i < meta.outputs().size(); i++) {
          assertEquals(first.outputs().get(i).type(), meta.outputs().get(i).dtype());
        }
        assertEquals(
            name.contains("xnnpack") ? List.of("XnnpackBackend") : List.of(), meta.backends());
      }
    }
  }
}
