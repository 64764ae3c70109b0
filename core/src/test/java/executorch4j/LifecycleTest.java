package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Load, forward, close, reload; nothing works on a closed model and nothing crashes. */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class LifecycleTest {

  @Test
  void loadForwardCloseReload() {
    var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
    assertTrue(model.isLoaded());
    assertEquals(
        5f,
        model.forward(Map.of("input_0", new float[] {1})).get("output_0").toFloatArray()[0],
        1e-6);
    model.close();
    assertFalse(model.isLoaded());
    model.close(); // idempotent

    try (var again = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertEquals(
          7f,
          again.forward(Map.of("input_0", new float[] {2})).get("output_0").toFloatArray()[0],
          1e-6);
    }
  }

  @Test
  void useAfterCloseThrowsClosed() {
    var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
    model.close();
    var e =
        assertThrows(
            ExecuTorchException.class, () -> model.forward(Map.of("input_0", new float[] {1})));
    assertEquals(ErrorCode.CLOSED, e.errorCode());
    assertEquals(
        ErrorCode.CLOSED, assertThrows(ExecuTorchException.class, model::methodNames).errorCode());
    assertEquals(
        ErrorCode.CLOSED,
        assertThrows(ExecuTorchException.class, () -> model.methodMeta("forward")).errorCode());
  }

  @Test
  void outputViewsDieWithTheModel() {
    Tensor view;
    Tensor kept;
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      view = model.forward(Tensor.of(new float[] {2}, 1, 1)).get("output_0");
      kept = view.copy();
    }
    // The view's memory is gone: access fails cleanly instead of reading freed memory.
    assertEquals(
        ErrorCode.CLOSED, assertThrows(ExecuTorchException.class, view::toFloatArray).errorCode());
    assertEquals(7f, kept.toFloatArray()[0], 1e-6);
  }

  @Test
  void outputsAreViewsOverwrittenByTheNextCall() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      Tensor first = model.forward(Tensor.of(new float[] {0}, 1, 1)).get("output_0");
      Tensor copy = first.copy();
      model.forward(Tensor.of(new float[] {1}, 1, 1));
      assertEquals(5f, first.toFloatArray()[0], 1e-6, "the view shows the latest call");
      assertEquals(3f, copy.toFloatArray()[0], 1e-6, "the copy keeps its values");
    }
  }

  @Test
  void modelsAreIndependent() {
    try (var a = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
        var b = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      Tensor ya = a.forward(Tensor.of(new float[] {1}, 1, 1)).get("output_0");
      b.forward(Tensor.of(new float[] {2}, 1, 1));
      b.close();
      assertEquals(5f, ya.toFloatArray()[0], 1e-6);
      assertEquals(
          3f, a.forward(Tensor.of(new float[] {0}, 1, 1)).get("output_0").toFloatArray()[0], 1e-6);
    }
  }

  @Test
  void inferenceTimesAreRecorded() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      InferenceStats before = model.inferenceStats();
      assertEquals(0, before.count());
      assertEquals(0, before.lastNanos(), "no execute yet: zero, not null");
      for (int i = 0; i < 3; i++) {
        model.forward(Map.of("input_0", new float[16]));
      }
      InferenceStats after = model.inferenceStats();
      assertEquals(3, after.count());
      assertTrue(after.lastNanos() > 0 && after.meanNanos() > 0, after.toString());
    }
  }
}
