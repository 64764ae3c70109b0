package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Java kernels for custom operators that fail: registration refused, a kernel that throws or fails
 * its warm-up, outputs of the wrong dtype or shape, views used outside their call. Runs
 * custom_op.pte as {@link CustomOperatorTest} does (each test with an operator name of its own).
 */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class CustomOperatorFailuresTest {
  // ------------------------------------------------------------ registration errors

  @Test
  void registeringTheSameNameTwiceFailsAndKeepsTheFirstKernel() {
    ExecuTorchRuntime.registerKernel(CustomOperatorTest.name("dup1"), CustomOps.TIMES_THREE);
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchRuntime.registerKernel(
                    CustomOperatorTest.name("dup1"),
                    call -> {
                      throw new AssertionError("not me");
                    }));
    assertEquals(ErrorCode.REGISTRATION_ALREADY_REGISTERED, e.errorCode());
    assertTrue(e.getMessage().contains(CustomOperatorTest.name("dup1")), e.getMessage());
    try (var model = CustomOperatorTest.load("dup1")) {
      CustomOperatorTest.assertGolden(model);
    }
  }

  @Test
  void registeringAnOperatorInUseFails() {
    ExecuTorchRuntime.registerKernel(CustomOperatorTest.name("use1"), CustomOps.TIMES_THREE);
    try (var model = CustomOperatorTest.load("use1")) {
      var e =
          assertThrows(
              ExecuTorchException.class,
              () ->
                  ExecuTorchRuntime.registerKernel(
                      CustomOperatorTest.name("use1"), CustomOps.TIMES_THREE_IN_PLACE));
      assertEquals(ErrorCode.REGISTRATION_ALREADY_REGISTERED, e.errorCode());
      CustomOperatorTest.assertGolden(model);
    }
  }

  @Test
  void registeringAnOperatorTheRuntimeLinksFails() {
    var e =
        assertThrows(
            ExecuTorchException.class,
            () -> ExecuTorchRuntime.registerKernel("aten::add.out", CustomOps.TIMES_THREE));
    assertEquals(ErrorCode.REGISTRATION_ALREADY_REGISTERED, e.errorCode());
    assertTrue(e.getMessage().contains("aten::add.out"), e.getMessage());
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertEquals(
          7f,
          model.forward(Tensor.of(new float[] {2}, 1, 1)).get("output_0").toFloatArray()[0],
          1e-6);
    }
  }

  @Test
  void malformedNamesAreTheCallersMistake() {
    for (String bad : List.of("mul3", "executorch4j_test::", "::mul3.out", "a::b c.out", "")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ExecuTorchRuntime.registerKernel(bad, CustomOps.TIMES_THREE),
          bad);
    }
    assertThrows(
        NullPointerException.class,
        () -> ExecuTorchRuntime.registerKernel(null, CustomOps.TIMES_THREE));
    assertThrows(
        NullPointerException.class,
        () -> ExecuTorchRuntime.registerKernel(CustomOperatorTest.name("null"), null));
  }

  // ------------------------------------------------------------ kernel failures

  @Test
  void aThrowingKernelFailsThatCallNamingTheOperatorAndTheNextCallWorks() {
    var fail = new AtomicBoolean();
    var thrown = new IllegalStateException("kernel says no");
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("thr1"),
        call -> {
          if (fail.get()) {
            throw thrown;
          }
          CustomOps.TIMES_THREE.run(call);
        });
    try (var model = CustomOperatorTest.load("thr1");
        var other = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      fail.set(true);
      var e =
          assertThrows(
              ExecuTorchException.class,
              () -> model.forward(Tensor.of(CustomOperatorTest.firstCaseInput(), 2)));
      assertEquals(ErrorCode.KERNEL_FAILED, e.errorCode());
      assertTrue(e.getMessage().contains(CustomOperatorTest.name("thr1")), e.getMessage());
      assertTrue(e.getMessage().contains("kernel says no"), e.getMessage());
      System.out.println("kernel failure reads: " + e.getMessage());
      assertSame(thrown, e.getCause());
      // Other models, and the same model, keep working.
      assertEquals(
          7f,
          other.forward(Tensor.of(new float[] {2}, 1, 1)).get("output_0").toFloatArray()[0],
          1e-6);
      fail.set(false);
      CustomOperatorTest.assertGolden(model);
    }
  }

  @Test
  void aKernelFailingAtLoadTimeWarmUpFailsTheLoad() {
    var thrown = new ArithmeticException("no zeros here");
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("wrm1"),
        call -> {
          throw thrown;
        });
    var e =
        assertThrows(
            ExecuTorchException.class,
            () -> CustomOperatorTest.load("wrm1")); // BASIC runs one warm-up at load
    assertEquals(ErrorCode.KERNEL_FAILED, e.errorCode());
    assertSame(thrown, e.getCause());
    var none = LoadOptions.defaults().withOptimization(OptimizationLevel.NONE); // no warm-up: loads
    try (var model = ExecuTorchModel.load(ModelSource.bytes(CustomOps.renamed("wrm1")), none)) {
      assertEquals(
          ErrorCode.KERNEL_FAILED,
          assertThrows(
                  ExecuTorchException.class,
                  () -> model.forward(Tensor.of(CustomOperatorTest.firstCaseInput(), 2)))
              .errorCode());
    }
  }

  @Test
  void anOutputOfTheWrongDtypeIsRefused() {
    var wrong = new AtomicBoolean();
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("dty1"),
        call -> {
          if (wrong.get()) {
            call.setOutput(0, Tensor.of(new double[] {1, 2}, 2)); // out is float32[2]
          } else {
            CustomOps.TIMES_THREE.run(call);
          }
        });
    try (var model = CustomOperatorTest.load("dty1")) {
      wrong.set(true);
      var e =
          assertThrows(
              ExecuTorchException.class,
              () -> model.forward(Tensor.of(CustomOperatorTest.firstCaseInput(), 2)));
      assertEquals(ErrorCode.KERNEL_FAILED, e.errorCode());
      var cause = assertInstanceOf(ExecuTorchException.class, e.getCause());
      assertTrue(
          cause.getMessage().contains("output 0 is float32[2], the kernel gave float64[2]"),
          cause.getMessage());
      wrong.set(false);
      CustomOperatorTest.assertGolden(model);
    }
  }

  @Test
  void anOutputOfTheWrongShapeIsRefusedByTheRuntime() {
    var wrong = new AtomicReference<long[]>();
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("shp1"),
        call -> {
          long[] shape = wrong.get();
          if (shape == null) {
            CustomOps.TIMES_THREE.run(call);
          } else {
            call.setOutput(
                0, Tensor.fromArray(new float[(int) Tensor.numel(shape)], DType.FLOAT32, shape));
          }
        });
    try (var model = CustomOperatorTest.load("shp1")) {
      for (long[] shape : List.of(new long[] {3}, new long[] {1, 2}, new long[] {1})) {
        wrong.set(shape);
        var e =
            assertThrows(
                ExecuTorchException.class,
                () -> model.forward(Tensor.of(CustomOperatorTest.firstCaseInput(), 2)));
        assertEquals(ErrorCode.KERNEL_FAILED, e.errorCode(), java.util.Arrays.toString(shape));
        var cause = assertInstanceOf(ExecuTorchException.class, e.getCause());
        assertTrue(
            cause.getMessage().contains(CustomOperatorTest.name("shp1")), cause.getMessage());
      }
      wrong.set(null);
      CustomOperatorTest.assertGolden(model);
    }
  }

  @Test
  void inputViewsAreReadOnly() {
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("ro01"),
        call -> call.tensor(0).segment().set(ValueLayout.JAVA_FLOAT, 0, 42f));
    try (var model =
        ExecuTorchModel.load(
            ModelSource.bytes(CustomOps.renamed("ro01")),
            LoadOptions.defaults().withOptimization(OptimizationLevel.NONE))) {
      float[] x = CustomOperatorTest.firstCaseInput();
      Tensor input = Tensor.of(x, 2);
      var e = assertThrows(ExecuTorchException.class, () -> model.forward(input));
      assertEquals(ErrorCode.KERNEL_FAILED, e.errorCode());
      var cause = assertInstanceOf(IllegalArgumentException.class, e.getCause()); // FFM's refusal
      assertTrue(cause.getMessage().contains("read-only"), cause.getMessage());
      assertEquals(x[0], input.toFloatArray()[0]);
    }
  }

  @Test
  void viewsDoNotOutliveTheCall() {
    var kept = new AtomicReference<Tensor>();
    ExecuTorchRuntime.registerKernel(
        CustomOperatorTest.name("kep1"),
        call -> {
          kept.set(call.tensor(0));
          CustomOps.TIMES_THREE.run(call);
        });
    try (var model = CustomOperatorTest.load("kep1")) {
      model.forward(Tensor.of(CustomOperatorTest.firstCaseInput(), 2));
      var e = assertThrows(ExecuTorchException.class, () -> kept.get().toFloatArray());
      assertEquals(ErrorCode.CLOSED, e.errorCode());
    }
  }
}
