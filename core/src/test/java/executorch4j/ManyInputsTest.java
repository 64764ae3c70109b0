package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A method with more inputs than the four the in-process call keeps alive as arguments (fixture
 * six_inputs), in process and isolated: it matches PyTorch eager's outputs, and an input whose
 * memory was freed is refused with CLOSED before anything reads it, whichever input it is.
 */
class ManyInputsTest {
  static final String FIXTURE = "six_inputs";

  static ExecuTorchModel load(boolean isolated) {
    return ExecuTorchModel.load(
        Fixtures.pte(FIXTURE),
        isolated
            ? LoadOptions.defaults().withIsolation(Isolation.PROCESS)
            : LoadOptions.defaults());
  }

  static Fixtures.Case kase(int c) {
    return Fixtures.golden(FIXTURE).methods().get("forward").cases().get(c);
  }

  static Tensor[] inputs(int c) {
    return kase(c).inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
  }

  static void assertGolden(int c, Map<String, Tensor> out, String what) {
    Fixtures.Case expected = kase(c);
    assertEquals(expected.outputs().size(), out.size(), what + ": output count");
    for (int o = 0; o < expected.outputs().size(); o++) {
      Fixtures.assertMatches(
          expected.outputs().get(o),
          out.get("output_" + o),
          Fixtures.golden(FIXTURE).tolerance(),
          what + " case " + c + " output_" + o);
    }
  }

  /** A copy of {@code t} in {@code arena}'s memory. */
  static Tensor in(Arena arena, Tensor t) {
    MemorySegment data = arena.allocate(t.byteSize(), 16).copyFrom(t.segment());
    return Tensor.wrap(data, t.dtype(), t.shape());
  }

  @ParameterizedTest(name = "isolated={0}")
  @ValueSource(booleans = {false, true})
  void sixInputsMatchEagerGoldens(boolean isolated) {
    try (var model = load(isolated)) {
      assertEquals(6, model.methodMeta("forward").inputs().size());
      // Alternating cases: every input (the fifth and sixth too) is taken from this call's
      // tensors, not from the previous call's.
      for (int c : new int[] {0, 1, 0, 1}) {
        assertGolden(c, model.forward(inputs(c)), "isolated=" + isolated);
      }
    }
  }

  /** The same Tensor objects again, their memory rewritten: each call reads every input anew. */
  @ParameterizedTest(name = "isolated={0}")
  @ValueSource(booleans = {false, true})
  void memoryWrittenBetweenCallsIsReadByTheNextCall(boolean isolated) {
    try (var model = load(isolated);
        var arena = Arena.ofConfined()) {
      Tensor[] first = inputs(0);
      Tensor[] second = inputs(1);
      Tensor[] mine = new Tensor[first.length];
      for (int i = 0; i < mine.length; i++) {
        mine[i] = in(arena, first[i]);
      }
      assertGolden(0, model.forward(mine), "first");
      for (int i = 0; i < mine.length; i++) {
        mine[i].segment().copyFrom(second[i].segment());
      }
      assertGolden(1, model.forward(mine), "rewritten");
    }
  }

  /**
   * Input {@code index} over an arena closed before the call: CLOSED naming it, and the model still
   * runs on live inputs afterwards. Index 0 is a keep-alive argument in process, 4 and 5 are not.
   */
  @ParameterizedTest(name = "isolated={0}, input {1}")
  @CsvSource({"false,4", "true,4", "false,5", "true,5", "false,0", "true,0"})
  void aClosedArenaBehindAnInputIsClosed(boolean isolated, int index) {
    try (var model = load(isolated)) {
      Tensor[] x = inputs(0);
      Arena arena = Arena.ofShared();
      x[index] = in(arena, x[index]);
      arena.close();
      assertClosed(model, x, index);
      assertGolden(1, model.forward(inputs(1)), "after the refused call");
    }
  }

  /**
   * A Tensor that ran once, its arena closed, passed again in the same array: the call that skips
   * describing unchanged inputs must still refuse it.
   */
  @ParameterizedTest(name = "isolated={0}, input {1}")
  @CsvSource({"false,4", "true,4", "false,5", "true,5"})
  void aTensorReusedAfterItsArenaClosedIsClosed(boolean isolated, int index) {
    try (var model = load(isolated)) {
      Tensor[] x = inputs(0);
      Arena arena = Arena.ofShared();
      x[index] = in(arena, x[index]);
      assertGolden(0, model.forward(x), "while the arena is open");
      arena.close();
      assertClosed(model, x, index);
      assertClosed(model, x, index); // and again: a refused call does not cache the input
      assertGolden(1, model.forward(inputs(1)), "after the refused calls");
    }
  }

  /** The fifth input confined to another thread: refused with INPUT_MISMATCH, never read. */
  @ParameterizedTest(name = "isolated={0}")
  @ValueSource(booleans = {false, true})
  void aFifthInputConfinedToAnotherThreadIsRefused(boolean isolated) throws Exception {
    try (var model = load(isolated);
        var arena = Arena.ofConfined()) {
      Tensor[] x = inputs(0);
      x[4] = in(arena, x[4]);
      Throwable failure = OtherThread.failureOf(() -> model.forward(x));
      var e = assertInstanceOf(ExecuTorchException.class, failure);
      assertEquals(ErrorCode.INPUT_MISMATCH, e.errorCode(), e.getMessage());
      assertTrue(
          e.getMessage().contains("input_4: the tensor's memory is confined to another thread"),
          e.getMessage());
      assertGolden(0, model.forward(x), "on the owning thread");
    }
  }

  /** The staging's own bound, behind the signature check: a larger input is refused, not copied. */
  @Test
  void anInputLargerThanItsStagingBufferIsRefused() {
    try (var model = load(false);
        var arena = Arena.ofConfined()) {
      InputStaging staging = InputStaging.inProcess(model.methodMeta("forward"), arena, 4);
      Tensor[] x = inputs(0);
      x[4] = Tensor.zeros(DType.FLOAT32, 5); // declared float32[4]: 20 bytes for 16
      var e = assertThrows(ExecuTorchException.class, () -> staging.copy(x));
      assertEquals(ErrorCode.INPUT_MISMATCH, e.errorCode(), e.getMessage());
      assertTrue(e.getMessage().contains("input_4: 20 bytes, more than the 16"), e.getMessage());
    }
  }

  static void assertClosed(ExecuTorchModel model, Tensor[] x, int index) {
    var e = assertThrows(ExecuTorchException.class, () -> model.forward(x));
    assertEquals(ErrorCode.CLOSED, e.errorCode(), e.getMessage());
    assertTrue(
        e.getMessage().contains("input_" + index + ": the tensor's memory was freed"),
        e.getMessage());
    // Refused by FFM's liveness check (a checked copy or a checked argument), not by the runtime.
    assertInstanceOf(IllegalStateException.class, e.getCause());
  }
}
