package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's Java example, verbatim apart from the assertions. */
class ReadmeExampleTest {
  @Test
  void readmeExampleRuns() {
    try (ExecuTorchModel model = ExecuTorchModel.load(Path.of("fixtures/linear_regression.pte"))) {
      // Dictionary interface: plain arrays, converted to the declared dtype and shape.
      Map<String, Tensor> out = model.forward(Map.of("input_0", new float[] {2f}));
      float y = out.get("output_0").toFloatArray()[0]; // 7.0

      // Tensor interface: no conversion; Tensor.wrap(segment, dtype, shape) is zero-copy.
      Tensor x = Tensor.of(new float[] {-1f}, 1, 1);
      Tensor kept = model.forward(x).get("output_0").copy(); // 1.0, kept past the next call

      MethodMeta meta = model.methodMeta("forward");
      System.out.println(meta.inputs()); // [input_0: float32[1,1]]
      System.out.println(model.inferenceStats().meanMillis() + " ms");

      assertEquals(7f, y, 1e-6);
      assertEquals(1f, kept.toFloatArray()[0], 1e-6);
      assertEquals("[input_0: float32[1,1]]", meta.inputs().toString());
    } catch (ExecuTorchException e) {
      System.err.println(e.errorCode() + ": " + e.getMessage());
      throw e;
    }
  }
}
