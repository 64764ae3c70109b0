package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The committed fixtures and their PyTorch-eager goldens (fixtures/README.md). */
final class Goldens {
  static final Path DIR =
      Path.of(System.getProperty("executorch4j.fixtures", "fixtures")).toAbsolutePath();

  private Goldens() {}

  static String pte(String name) {
    return DIR.resolve(name + ".pte").toString();
  }

  record Value(String dtype, long[] shape, double[] data) {}

  record Case(List<Value> inputs, List<Value> outputs) {}

  record MethodCases(List<Case> cases) {}

  record Tolerance(double atol, double rtol) {}

  record Golden(String model, Tolerance tolerance, Map<String, MethodCases> methods) {
    List<Case> cases() {
      return methods.get("forward").cases();
    }
  }

  static Golden golden(String name) {
    try {
      return new Gson()
          .fromJson(Files.readString(DIR.resolve(name + ".golden.json")), Golden.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every element of {@code actual} within the golden tolerance of {@code expected}. */
  static void assertClose(double[] expected, double[] actual, Tolerance tol, String what) {
    assertEquals(expected.length, actual.length, what + " element count");
    for (int i = 0; i < expected.length; i++) {
      double limit = tol.atol() + tol.rtol() * Math.abs(expected[i]);
      if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
        fail(
            what
                + "["
                + i
                + "]: expected "
                + expected[i]
                + " got "
                + actual[i]
                + " (limit "
                + limit
                + ")");
      }
    }
  }

  static double[] slice(double[] a, int from, int to) {
    return java.util.Arrays.copyOfRange(a, from, to);
  }
}
