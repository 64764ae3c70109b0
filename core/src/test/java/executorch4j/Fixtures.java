package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The exported fixtures in fixtures/ and their PyTorch-computed golden files. */
final class Fixtures {
  static final Path DIR =
      Path.of(System.getProperty("executorch4j.fixtures", "fixtures")).toAbsolutePath();

  private Fixtures() {}

  static Path pte(String name) {
    return DIR.resolve(name + ".pte");
  }

  /**
   * Every fixture that has a golden file and runs on the runtime as linked. custom_op's golden
   * needs a kernel for its custom operator registered first (CustomOperatorTest and
   * CustomOperatorProcessTest check it); mlp_openvino needs OpenVINO's runtime (BackendsTest).
   */
  static Stream<String> names() {
    try (Stream<Path> files = Files.list(DIR)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".golden.json"))
          .map(n -> n.substring(0, n.length() - ".golden.json".length()))
          .filter(n -> !n.equals("custom_op"))
          .filter(n -> !n.equals("mlp_openvino")) // needs OpenVINO's runtime: BackendsTest
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Value(String dtype, long[] shape, double[] data) {
    DType type() {
      return DType.fromLabel(dtype);
    }

    Tensor toTensor() {
      return Tensor.fromArray(data, type(), shape);
    }
  }

  record Case(List<Value> inputs, List<Value> outputs) {}

  record MethodCases(List<Case> cases) {}

  record Tolerance(double atol, double rtol) {}

  record Golden(
      String model, String description, Tolerance tolerance, Map<String, MethodCases> methods) {}

  static Golden golden(String name) {
    try {
      return new Gson()
          .fromJson(Files.readString(DIR.resolve(name + ".golden.json")), Golden.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts dtype, shape and every element within the golden tolerance. */
  static void assertMatches(Value expected, Tensor actual, Tolerance tol, String what) {
    assertEquals(expected.type(), actual.dtype(), what + " dtype");
    assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
    double[] got = actual.toDoubleArray();
    assertEquals(expected.data().length, got.length, what + " element count");
    for (int i = 0; i < got.length; i++) {
      double e = expected.data()[i];
      double limit = tol.atol() + tol.rtol() * Math.abs(e);
      if (!(Math.abs(got[i] - e) <= limit)) {
        fail(what + "[" + i + "]: expected " + e + " +- " + limit + ", got " + got[i]);
      }
    }
  }
}
