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

  static Stream<String> fixtures() {
    return Fixtures.names();
  }

  /** Each fixture once per way of loading it. */
  static Stream<Arguments> fixturesBySource() {
    return Fixtures.names().flatMap(n -> Stream.of("mmap", "file", "bytes", "stream").map(s -> Arguments.of(n, s)));
  }

  static ExecuTorchModel open(String name, String source) throws IOException {
    var path = Fixtures.pte(name);
    return switch (source) {
      case "mmap" -> ExecuTorchModel.load(path);
      case "file" -> ExecuTorchModel.load(path, LoadOptions.defaults().withLoadMode(LoadMode.FILE));
      case "bytes" -> ExecuTorchModel.load(ModelSource.bytes(Files.readAllBytes(path)));
      case "stream" -> ExecuTorchModel.load(ModelSource.channel(FileChannel.open(path, StandardOpenOption.READ)));
      default -> throw new IllegalArgumentException(source);
    };
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("fixturesBySource")
  void tensorInterfaceMatchesGolden(String name, String source) throws IOException {
    Fixtures.Golden golden = Fixtures.golden(name);
    try (ExecuTorchModel model = open(name, source)) {
      for (var method : golden.methods().entrySet()) {
        List<Fixtures.Case> cases = method.getValue().cases();
        for (int c = 0; c < cases.size(); c++) {
          Fixtures.Case kase = cases.get(c);
          Tensor[] inputs = kase.inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
          Map<String, Tensor> out = model.execute(method.getKey(), inputs);
          assertEquals(kase.outputs().size(), out.size(), "output count");
          for (int o = 0; o < kase.outputs().size(); o++) {
            Fixtures.assertMatches(kase.outputs().get(o), out.get("output_" + o), golden.tolerance(),
                name + "." + method.getKey() + " case " + c + " output_" + o);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void dictionaryInterfaceMatchesGolden(String name) {
    Fixtures.Golden golden = Fixtures.golden(name);
    try (ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(name))) {
      for (var method : golden.methods().entrySet()) {
        for (Fixtures.Case kase : method.getValue().cases()) {
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
            continue; // smaller dynamic shapes go through Tensors (tested above)
          }
          Map<String, Tensor> out = model.execute(method.getKey(), inputs);
          for (int o = 0; o < kase.outputs().size(); o++) {
            Fixtures.assertMatches(kase.outputs().get(o), out.get("output_" + o), golden.tolerance(),
                name + "." + method.getKey() + " output_" + o);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void metadataMatchesGolden(String name) {
    Fixtures.Golden golden = Fixtures.golden(name);
    try (ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(name))) {
      assertEquals(golden.methods().keySet(), new java.util.HashSet<>(model.methodNames()));
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
        assertEquals(name.contains("xnnpack") ? List.of("XnnpackBackend") : List.of(), meta.backends());
      }
    }
  }
}
