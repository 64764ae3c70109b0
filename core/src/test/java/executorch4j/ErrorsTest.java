package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input ends in a typed exception with a message that says what is wrong. */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class ErrorsTest {
  @TempDir Path tmp;

  static ExecuTorchException fails(ErrorCode code, org.junit.jupiter.api.function.Executable call) {
    var e = assertThrows(ExecuTorchException.class, call);
    assertEquals(code, e.errorCode(), e.getMessage());
    return e;
  }

  @Test
  void missingFile() {
    var e = fails(ErrorCode.FILE_NOT_FOUND, () -> ExecuTorchModel.load(tmp.resolve("nope.pte")));
    assertTrue(e.getMessage().contains("nope.pte"), e.getMessage());
  }

  @Test
  void emptyFile() throws IOException {
    Path empty = Files.write(tmp.resolve("empty.pte"), new byte[0]);
    fails(ErrorCode.INVALID_PROGRAM, () -> ExecuTorchModel.load(empty));
    fails(ErrorCode.INVALID_PROGRAM, () -> ExecuTorchModel.load(ModelSource.bytes(new byte[0])));
  }

  @Test
  void randomBytes() throws IOException {
    byte[] junk = new byte[4096];
    new Random(42).nextBytes(junk);
    Path file = Files.write(tmp.resolve("junk.pte"), junk);
    var e = fails(ErrorCode.INVALID_PROGRAM, () -> ExecuTorchModel.load(file));
    assertTrue(e.getMessage().contains("Program identifier"), e.getMessage());
  }

  static Stream<String> fixtures() {
    return Fixtures.names();
  }

  /** A copy of every fixture cut at 16 points, from inside the header to one byte short. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void truncatedCopiesOfEveryFixture(String name) throws IOException {
    byte[] all = Files.readAllBytes(Fixtures.pte(name));
    int[] cuts =
        IntStream.concat(
                IntStream.of(1, 8, 16, 32, 63, 64, 100, all.length - 1),
                IntStream.rangeClosed(1, 8).map(k -> all.length * k / 9))
            .distinct()
            .toArray();
    for (int cut : cuts) {
      byte[] part = Arrays.copyOf(all, cut);
      var e = fails(ErrorCode.INVALID_PROGRAM, () -> ExecuTorchModel.load(ModelSource.bytes(part)));
      assertTrue(
          e.getMessage().contains(cut + " bytes") || e.getMessage().contains("runtime:"),
          e.getMessage());
    }
  }

  @Test
  void wrongInputs() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var count =
          fails(
              ErrorCode.INPUT_MISMATCH,
              () -> model.forward(Tensor.of(new float[1], 1, 1), Tensor.of(new float[1], 1, 1)));
      assertTrue(count.getMessage().contains("expected 1 inputs, got 2"), count.getMessage());
      var shape =
          fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Tensor.of(new float[] {1, 2, 3}, 3)));
      assertTrue(
          shape.getMessage().endsWith("input_0: expected float32[1,1], got float32[3]"),
          shape.getMessage());
      var dtype =
          fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Tensor.of(new int[] {1}, 1, 1)));
      assertTrue(
          dtype.getMessage().contains("expected float32[1,1], got int32[1,1]"), dtype.getMessage());
      var values =
          fails(
              ErrorCode.INPUT_MISMATCH, () -> model.forward(Map.of("input_0", new float[] {1, 2})));
      assertTrue(values.getMessage().contains("got 2 values"), values.getMessage());
      var unknown =
          fails(
              ErrorCode.INPUT_MISMATCH,
              () -> model.forward(Map.of("input_0", new float[] {1}, "x", new float[] {1})));
      assertTrue(unknown.getMessage().contains("unknown input 'x'"), unknown.getMessage());
      var missing = fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Map.of()));
      assertTrue(missing.getMessage().contains("missing input_0"), missing.getMessage());
      fails(ErrorCode.INPUT_MISMATCH, () -> model.forward((Tensor) null));
      fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Map.of("input_0", "text")));
    }
  }

  @Test
  void staticShapeRefusesASmallerShape() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      var e = fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Tensor.of(new float[8], 1, 8)));
      assertTrue(
          e.getMessage().endsWith("input_0: expected float32[1,16], got float32[1,8]"),
          e.getMessage());
    }
  }

  @Test
  void dynamicShapeAcceptsUpToItsBoundOnly() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("dynamic_batch"))) {
      assertArrayEquals(
          new long[] {3, 2}, model.forward(Tensor.of(new float[12], 3, 4)).get("output_0").shape());
      var e = fails(ErrorCode.INPUT_MISMATCH, () -> model.forward(Tensor.of(new float[36], 9, 4)));
      assertTrue(
          e.getMessage().endsWith("input_0: expected float32[<=8,<=4], got float32[9,4]"),
          e.getMessage());
      // Within the bound but wrong for the weights: the kernel refuses it, the model lives on.
      var k =
          assertThrows(
              ExecuTorchException.class, () -> model.forward(Tensor.of(new float[6], 3, 2)));
      assertTrue(k.getMessage().contains("execution failed"), k.getMessage());
      assertArrayEquals(
          new long[] {8, 2}, model.forward(Tensor.of(new float[32], 8, 4)).get("output_0").shape());
    }
  }

  @Test
  void unknownMethod() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("two_methods"))) {
      var e = fails(ErrorCode.NOT_FOUND, () -> model.execute("backward", Map.of()));
      assertTrue(
          e.getMessage().contains("'backward'") && e.getMessage().contains("forward"),
          e.getMessage());
    }
  }

  @Test
  void aFailedLoadLeavesOtherModelsWorking() throws IOException {
    try (var good = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      byte[] bad = Arrays.copyOf(Files.readAllBytes(Fixtures.pte("mlp_xnnpack")), 500);
      fails(ErrorCode.INVALID_PROGRAM, () -> ExecuTorchModel.load(ModelSource.bytes(bad)));
      assertEquals(
          7f,
          good.forward(Tensor.of(new float[] {2}, 1, 1)).get("output_0").toFloatArray()[0],
          1e-6);
    }
  }

  /** custom_op.pte uses executorch4j_test::mul3, a custom operator with no kernel here. */
  @Test
  void missingOperatorIsNamedAtLoad() {
    var e =
        fails(ErrorCode.OPERATOR_MISSING, () -> ExecuTorchModel.load(Fixtures.pte("custom_op")));
    assertTrue(e.getMessage().contains("operator(s) executorch4j_test::mul3.out,"), e.getMessage());
  }

  /** unknown_backend.pte is delegated to BackendWithCompilerDemo, which is not linked. */
  @Test
  void missingBackendIsNamedAtLoad() {
    var e =
        fails(
            ErrorCode.BACKEND_UNAVAILABLE,
            () -> ExecuTorchModel.load(Fixtures.pte("unknown_backend")));
    assertTrue(e.getMessage().contains("backend BackendWithCompilerDemo,"), e.getMessage());
  }

  @Test
  void withFiniteCheckNanAndInfinityAreRejectedNamingTheInput() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("add_mul"), LoadOptions.defaults().withFiniteCheck(true))) {
      float[] ok = new float[6];
      float[] nan = {0, 0, Float.NaN, 0, 0, 0};
      var e =
          fails(
              ErrorCode.INPUT_MISMATCH, () -> model.forward(Map.of("input_0", ok, "input_1", nan)));
      assertTrue(e.getMessage().contains("input_1: element 2 is NaN"), e.getMessage());
      float[] inf = {Float.NEGATIVE_INFINITY, 0, 0, 0, 0, 0};
      fails(
          ErrorCode.INPUT_MISMATCH, () -> model.forward(Tensor.of(inf, 2, 3), Tensor.of(ok, 2, 3)));
    }
    try (var lenient =
        ExecuTorchModel.load(
            Fixtures.pte("linear_regression"), LoadOptions.defaults().withFiniteCheck(false))) {
      assertTrue(
          Float.isNaN(
              lenient
                  .forward(Tensor.of(new float[] {Float.NaN}, 1, 1))
                  .get("output_0")
                  .toFloatArray()[0]));
    }
  }

  /** The scan runs in 4096-element chunks: the first NaN or infinity is found wherever it is. */
  @Test
  void theFiniteCheckFindsTheFirstNonFiniteElementAnywhereInALargeInput() {
    float[] a = new float[20_000];
    java.util.Arrays.fill(a, Float.MAX_VALUE);
    a[7] = -Float.MAX_VALUE;
    a[8] = Float.MIN_VALUE; // subnormal: finite
    var segment = java.lang.foreign.MemorySegment.ofArray(a);
    assertEquals(-1, Elements.firstNonFinite(segment, DType.FLOAT32));
    for (int at : new int[] {0, 4095, 4096, 19_999}) {
      a[at] = Float.NaN;
      assertEquals(at, Elements.firstNonFinite(segment, DType.FLOAT32));
      a[at] = Float.NEGATIVE_INFINITY;
      assertEquals(at, Elements.firstNonFinite(segment, DType.FLOAT32));
      a[at] = 1f;
    }
  }

  /** By default infinity is an input like any other: additive attention masks hold -inf. */
  @Test
  void byDefaultInfinityIsAValidInput() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      float y =
          model
              .forward(Tensor.of(new float[] {Float.NEGATIVE_INFINITY}, 1, 1))
              .get("output_0")
              .toFloatArray()[0];
      assertTrue(Float.isInfinite(y), "output " + y);
    }
  }

  @Test
  void aTensorOverAClosedArenaIsRefusedNotRead() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
      Tensor x = Tensor.wrap(arena.allocate(4), DType.FLOAT32, 1, 1);
      arena.close();
      var e = fails(ErrorCode.CLOSED, () -> model.forward(x));
      assertTrue(e.getMessage().contains("input_0: the tensor's memory was freed"), e.getMessage());
    }
  }

  @Test
  void aTensorConfinedToAnotherThreadIsRefused() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
        var arena = java.lang.foreign.Arena.ofConfined()) {
      Tensor x = Tensor.wrap(arena.allocate(4), DType.FLOAT32, 1, 1);
      Throwable failure = OtherThread.failureOf(() -> model.forward(x));
      assertTrue(
          failure instanceof ExecuTorchException ex
              && ex.getMessage().contains("confined to another thread"),
          String.valueOf(failure));
    }
  }
}
