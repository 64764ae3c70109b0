package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Metadata the spec asks for: methods, input/output names, shapes, dtypes. */
class MethodMetaTest {

  @Test
  void linearRegressionDeclaresOneFloatInAndOut() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertEquals(List.of("forward"), model.methodNames());
      MethodMeta meta = model.methodMeta("forward");
      assertEquals(List.of("input_0"), meta.inputNames());
      assertEquals(List.of("output_0"), meta.outputNames());
      TensorMeta in = meta.inputs().getFirst();
      assertEquals(DType.FLOAT32, in.dtype());
      assertArrayEquals(new long[] {1, 1}, in.shape());
      assertArrayEquals(new int[] {0, 1}, in.dimOrder());
      assertEquals(4, in.nbytes());
      assertEquals("float32[1,1]", in.signature());
      assertTrue(meta.plannedBytes() > 0, "inputs and outputs live in planned memory");
    }
  }

  @Test
  void twoMethodsAreListedInProgramOrder() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("two_methods"))) {
      assertEquals(List.of("affine", "forward"), model.methodNames().stream().sorted().toList());
    }
  }

  @Test
  void dynamicDimensionReportsItsUpperBound() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("dynamic_batch"))) {
      TensorMeta in = model.methodMeta("forward").inputs().getFirst();
      assertArrayEquals(new long[] {8, 4}, in.shape());
      // ExecuTorch records dynamism per tensor (DYNAMIC_BOUND): every dim may shrink.
      assertEquals(List.of(0, 1), in.dynamicDims());
      assertEquals("float32[<=8,<=4]", in.signature());
    }
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      assertEquals(List.of(), model.methodMeta("forward").inputs().getFirst().dynamicDims());
    }
  }

  @Test
  void dtypeCoverage() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("dtypes"))) {
      MethodMeta meta = model.methodMeta("forward");
      assertEquals(List.of(DType.INT64, DType.BOOL), meta.inputs().stream().map(TensorMeta::dtype).toList());
    }
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_fp16"))) {
      assertEquals(DType.FLOAT16, model.methodMeta("forward").inputs().getFirst().dtype());
    }
  }

  @Test
  void xnnpackBackendIsLinked() {
    assertTrue(executorch4j.internal.Native.backendAvailable("XnnpackBackend"));
  }
}
