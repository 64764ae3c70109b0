package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spec's table: linear_regression.pte computes y = 2x + 3. */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class LinearRegressionTest {
  private ExecuTorchModel model;

  @BeforeEach
  void load() {
    model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
  }

  @AfterEach
  void close() {
    model.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"0, 3", "1, 5", "2, 7", "-1, 1"})
  void dictionaryInterface(float x, float y) {
    Map<String, Tensor> out = model.forward(Map.of("input_0", new float[] {x}));
    assertEquals(y, out.get("output_0").toFloatArray()[0], 1e-6);
    assertArrayEquals(new long[] {1, 1}, out.get("output_0").shape());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"0, 3", "1, 5", "2, 7", "-1, 1"})
  void tensorInterface(float x, float y) {
    Tensor out = model.forward(Tensor.of(new float[] {x}, 1, 1)).get("output_0");
    assertEquals(y, out.toFloatArray()[0], 1e-6);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"0, 3", "1, 5", "2, 7", "-1, 1"})
  void scalarAndListValues(double x, double y) {
    assertEquals(y, model.forward(Map.of("input_0", x)).get("output_0").getDouble(0), 1e-6);
    assertEquals(
        y,
        model.forward(Map.of("input_0", java.util.List.of(x))).get("output_0").getDouble(0),
        1e-6);
  }
}
