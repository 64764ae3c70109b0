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
    // The order the exporter wrote into the program's execution_plan table, read from the file
    // by the test's own flatbuffer reader (export_fixtures.py passes {forward, affine}; the
    // emitter stores the plans sorted by name).
    List<String> inFile = PteFile.read(Fixtures.pte("two_methods")).methodNames();
    assertEquals(List.of("affine", "forward"), inFile);
    try (var model = ExecuTorchModel.load(Fixtures.pte("two_methods"))) {
      assertEquals(inFile, model.methodNames());
      for (String method : inFile) {
        MethodMeta meta = model.methodMeta(method);
        assertEquals(method, meta.name());
        assertEquals(List.of("input_0"), meta.inputNames());
        assertEquals(List.of("output_0"), meta.outputNames());
        assertEquals("float32[2,2]", meta.inputs().getFirst().signature(), method);
        assertEquals("float32[2,2]", meta.outputs().getFirst().signature(), method);
      }
    }
  }

  @Test
  void addMulListsItsInputsAndOutputsInSignatureOrder() {
    // forward(a, b) -> (a + b, a * b), both [2,3]: positions follow the exported signature.
    try (var model = ExecuTorchModel.load(Fixtures.pte("add_mul"))) {
      MethodMeta meta = model.methodMeta("forward");
      assertEquals(List.of("input_0", "input_1"), meta.inputNames());
      assertEquals(List.of("output_0", "output_1"), meta.outputNames());
      var out =
          model.forward(
              Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
              Tensor.of(new float[] {2, 2, 2, 2, 2, 2}, 2, 3));
      assertArrayEquals(
          new float[] {3, 4, 5, 6, 7, 8}, out.get("output_0").toFloatArray(), "output_0 is a + b");
      assertArrayEquals(
          new float[] {2, 4, 6, 8, 10, 12},
          out.get("output_1").toFloatArray(),
          "output_1 is a * b");
    }
  }

  @Test
  void dtypesListsInputsAndOutputsInSignatureOrder() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("dtypes"))) {
      MethodMeta meta = model.methodMeta("forward");
      // forward(x int64[4], mask bool[4]) -> (x*2+1 int64, logical_not(mask) bool, where(mask, x,
      // 0) int64)
      assertEquals(
          List.of("int64[4]", "bool[4]"),
          meta.inputs().stream().map(TensorMeta::signature).toList());
      assertEquals(
          List.of(DType.INT64, DType.BOOL, DType.INT64),
          meta.outputs().stream().map(TensorMeta::dtype).toList());
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
      assertEquals(
          List.of(DType.INT64, DType.BOOL), meta.inputs().stream().map(TensorMeta::dtype).toList());
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
