package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The forward path writes an input's descriptor only when a call passes another Tensor than the
 * last one, and reuses an output Tensor while the runtime hands back the same view: neither may
 * show a caller stale data.
 */
class HotPathTest {

  @Test
  void theSameInputTensorIsReadAgainOnEveryCall() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
        Arena arena = Arena.ofConfined()) {
      var data = arena.allocate(ValueLayout.JAVA_FLOAT);
      Tensor x = Tensor.wrap(data, DType.FLOAT32, 1, 1);
      data.set(ValueLayout.JAVA_FLOAT, 0, 2f);
      assertEquals(7f, model.forward(x).get("output_0").toFloatArray()[0], 1e-6); // 2*2+3
      data.set(ValueLayout.JAVA_FLOAT, 0, -1f);
      assertEquals(1f, model.forward(x).get("output_0").toFloatArray()[0], 1e-6); // 2*-1+3
    }
  }

  @Test
  void aRefusedCallLeavesNoStaleInputForTheNextOne() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("add_mul"));
        Arena arena = Arena.ofConfined()) {
      float[] a1 = {1, 2, 3, 4, 5, 6};
      float[] a2 = {10, 20, 30, 40, 50, 60};
      float[] b = {2, 2, 2, 3, 3, 3};
      Tensor ta1 = tensor(arena, a1, 2, 3);
      Tensor ta2 = tensor(arena, a2, 2, 3);
      Tensor tb = tensor(arena, b, 2, 3);
      model.forward(ta1, tb);
      // a2 is taken, then the second input is refused: the call fails as a whole.
      Tensor wrongShape = tensor(arena, b, 3, 2);
      assertEquals(
          ErrorCode.INPUT_MISMATCH,
          assertThrows(ExecuTorchException.class, () -> model.forward(ta2, wrongShape))
              .errorCode());
      // The same b as in the first call, and a2: the runtime must see a2, not a1.
      Map<String, Tensor> out = model.forward(ta2, tb);
      float[] sum = new float[6];
      float[] product = new float[6];
      for (int i = 0; i < 6; i++) {
        sum[i] = a2[i] + b[i];
        product[i] = a2[i] * b[i];
      }
      assertArrayEquals(sum, out.get("output_0").toFloatArray(), 1e-5f);
      assertArrayEquals(product, out.get("output_1").toFloatArray(), 1e-5f);
    }
  }

  @Test
  void anOutputTensorIsReusedOnlyWhileTheRuntimeGivesTheSameView() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("dynamic_batch"))) {
      var declared = model.methodMeta("forward").inputs().getFirst();
      long features = declared.shape()[1];
      Tensor first =
          model.forward(Tensor.of(new float[(int) (2 * features)], 2, features)).get("output_0");
      long[] firstShape = first.shape();
      Tensor again =
          model.forward(Tensor.of(new float[(int) (2 * features)], 2, features)).get("output_0");
      assertSame(first, again, "same view, same Tensor (no allocation per call)");
      Tensor smaller =
          model.forward(Tensor.of(new float[(int) features], 1, features)).get("output_0");
      assertEquals(2, firstShape[0]);
      assertEquals(1, smaller.shape()[0], "a new batch size is a new view, so a new Tensor");
    }
  }

  @Test
  void aDryRunReadsNoInputAndExecutesNothing() {
    // The facade mode the load-time JIT priming uses: the outputs stay those of the last real run.
    try (var model =
            ExecuTorchModel.load(
                Fixtures.pte("linear_regression"),
                LoadOptions.defaults().withOptimization(OptimizationLevel.NONE));
        Arena arena = Arena.ofConfined()) {
      assertEquals(
          7f,
          model.forward(tensor(arena, new float[] {2}, 1, 1)).get("output_0").toFloatArray()[0],
          1e-6);
      LoadedMethod.InProcess method = (LoadedMethod.InProcess) model.loadedMethod("forward");
      executorch4j.internal.Native.check(
          executorch4j.internal.ffi.Et4j.et_method_set_dry_run(method.handle, 1));
      Map<String, Tensor> dry = method.run(new Tensor[] {tensor(arena, new float[] {100}, 1, 1)});
      assertEquals(7f, dry.get("output_0").toFloatArray()[0], 1e-6, "nothing executed");
      assertEquals(0, method.lastNanos());
      executorch4j.internal.Native.check(
          executorch4j.internal.ffi.Et4j.et_method_set_dry_run(method.handle, 0));
      assertEquals(
          203f,
          model.forward(tensor(arena, new float[] {100}, 1, 1)).get("output_0").toFloatArray()[0],
          1e-4);
    }
  }

  @Test
  void primingAtLoadLeavesTheFirstCallItsOwnInputsAndOutputs() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("add_mul"));
        Arena arena = Arena.ofConfined()) {
      float[] a = {1, 2, 3, 4, 5, 6};
      float[] b = {-1, 0.5f, 2, 3, -4, 7};
      Map<String, Tensor> out = model.forward(tensor(arena, a, 2, 3), tensor(arena, b, 2, 3));
      for (int i = 0; i < 6; i++) {
        assertEquals(a[i] + b[i], out.get("output_0").toFloatArray()[i], 1e-6);
        assertEquals(a[i] * b[i], out.get("output_1").toFloatArray()[i], 1e-6);
      }
      assertEquals(1, model.inferenceStats().count(), "primed calls are not inferences");
    }
  }

  private static Tensor tensor(Arena arena, float[] values, long... shape) {
    var seg = arena.allocate(ValueLayout.JAVA_FLOAT, values.length);
    seg.copyFrom(java.lang.foreign.MemorySegment.ofArray(values));
    return Tensor.wrap(seg, DType.FLOAT32, shape);
  }
}
