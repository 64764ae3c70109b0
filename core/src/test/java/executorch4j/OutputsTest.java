package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outputs are views valid until the next call: an earlier call's map refuses to show newer values.
 */
class OutputsTest {
  ExecuTorchModel model;

  @BeforeEach
  void open() {
    model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
  }

  @AfterEach
  void close() {
    model.close();
  }

  @Test
  void theMapOfAnEarlierCallIsRefusedNotSilentlyUpdated() {
    Map<String, Tensor> first = model.forward(Map.of("input_0", new float[] {2}));
    assertEquals(7f, first.get("output_0").toFloatArray()[0], 1e-6); // 2*2+3
    Map<String, Tensor> second = model.forward(Map.of("input_0", new float[] {1}));
    assertNotSame(first, second);
    ExecuTorchException e = assertThrows(ExecuTorchException.class, () -> first.get("output_0"));
    assertEquals(ErrorCode.INVALID_STATE, e.errorCode());
    assertEquals(5f, second.get("output_0").toFloatArray()[0], 1e-6); // 2*1+3
  }

  @Test
  void aCopyOutlivesLaterCalls() {
    Tensor kept = model.forward(Map.of("input_0", new float[] {2})).get("output_0").copy();
    model.forward(Map.of("input_0", new float[] {-1}));
    assertEquals(7f, kept.toFloatArray()[0], 1e-6);
  }

  @Test
  void theOutputMapCannotBeModified() {
    Map<String, Tensor> out = model.forward(Map.of("input_0", new float[] {2}));
    assertThrows(
        UnsupportedOperationException.class, () -> out.put("output_0", out.get("output_0")));
  }
}
