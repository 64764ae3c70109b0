package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Instances of one loaded program ({@link ExecuTorchModel#newInstance()}): each computes what the
 * golden says, in parallel; closing one, the first included, leaves the others working; state
 * copies carry a KV cache.
 */
class ModelInstanceTest {
  static final Path LLM = Fixtures.DIR.resolve("llm/tiny_llama.pte");

  @Test
  void instancesRunningInParallelEachMatchTheGolden() throws Exception {
    Fixtures.Golden golden = Fixtures.golden("mlp_xnnpack");
    Fixtures.Case c = golden.methods().get("forward").cases().get(0);
    List<ExecuTorchModel> models = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (var base =
        ExecuTorchModel.loadShared(
            ModelSource.file(Fixtures.pte("mlp_xnnpack")), LoadOptions.defaults())) {
      models.add(base);
      models.add(base.newInstance());
      models.add(models.get(1).newInstance()); // an instance of an instance: the same program
      List<Future<Tensor>> results = new ArrayList<>();
      for (ExecuTorchModel m : models) {
        results.add(
            pool.submit(
                () -> {
                  Tensor last = null;
                  for (int i = 0; i < 200; i++) {
                    last = m.forward(c.inputs().get(0).toTensor()).get("output_0").copy();
                  }
                  return last;
                }));
      }
      for (Future<Tensor> r : results) {
        Fixtures.assertMatches(c.outputs().get(0), r.get(), golden.tolerance(), "output_0");
      }
    } finally {
      pool.shutdownNow();
      models.forEach(ExecuTorchModel::close);
    }
  }

  @Test
  void instancesMadeOnSeveralThreadsAtOnceEachMatchTheGolden() throws Exception {
    Fixtures.Golden golden = Fixtures.golden("mlp_xnnpack");
    Fixtures.Case c = golden.methods().get("forward").cases().get(0);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (var base =
        ExecuTorchModel.loadShared(
            ModelSource.file(Fixtures.pte("mlp_xnnpack")), LoadOptions.defaults())) {
      List<Future<Tensor>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () -> {
                  try (var m = base.newInstance()) { // loads of one program, concurrently
                    return m.forward(c.inputs().get(0).toTensor()).get("output_0").copy();
                  }
                }));
      }
      for (Future<Tensor> r : results) {
        Fixtures.assertMatches(c.outputs().get(0), r.get(), golden.tolerance(), "output_0");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closingTheFirstModelLeavesItsInstancesWorkingUntilTheLastCloses() {
    Fixtures.Golden golden = Fixtures.golden("linear_regression");
    Fixtures.Case c = golden.methods().get("forward").cases().get(0);
    var base = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
    var a = base.newInstance();
    var b = a.newInstance();
    base.close();
    assertThrows(ExecuTorchException.class, base::newInstance);
    a.close();
    Fixtures.assertMatches(
        c.outputs().get(0),
        b.forward(c.inputs().get(0).toTensor()).get("output_0"),
        golden.tolerance(),
        "output_0 after the others closed");
    b.close();
    assertFalse(b.isLoaded());
    assertEquals(0, ExecuTorchRuntime.nativeBytesInUse(), "every instance freed its memory");
  }

  /** tiny_llama keeps its KV cache in mutable buffers: forward(tokens, input_pos) -> logits. */
  private static float[] step(ExecuTorchModel m, long token, long pos) {
    Tensor t = Tensor.fromArray(new long[] {token}, DType.INT64, 1, 1);
    Tensor p = Tensor.fromArray(new long[] {pos}, DType.INT64, 1);
    return m.forward(t, p).get("output_0").toFloatArray();
  }

  @Test
  void aCopiedStateContinuesExactlyLikeItsSource() {
    long[] prompt = {0, 304, 280, 282, 88}; // any ids below the vocabulary size
    try (var a = ExecuTorchModel.loadShared(ModelSource.file(LLM), LoadOptions.defaults());
        var b = a.newInstance();
        var fresh = a.newInstance()) {
      for (int i = 0; i < prompt.length; i++) step(a, prompt[i], i);
      b.copyStateFrom(a, "forward");
      float[] fromA = step(a, 311, prompt.length);
      float[] fromB = step(b, 311, prompt.length);
      assertArrayEquals(fromA, fromB, "the copy continues bit for bit like its source");
      float[] withoutState = step(fresh, 311, prompt.length);
      assertFalse(
          Arrays.equals(fromA, withoutState), "the state matters (else the copy proves nothing)");
    }
  }

  @Test
  void misuseIsRefusedWithATypedError() {
    try (var a = ExecuTorchModel.load(LLM);
        var other = ExecuTorchModel.load(LLM)) {
      var self = assertThrows(ExecuTorchException.class, () -> a.copyStateFrom(a, "forward"));
      assertEquals(ErrorCode.INVALID_ARGUMENT, self.errorCode());
      var foreign =
          assertThrows(ExecuTorchException.class, () -> a.copyStateFrom(other, "forward"));
      assertEquals(ErrorCode.INVALID_ARGUMENT, foreign.errorCode());
      try (var b = a.newInstance()) {
        var missing = assertThrows(ExecuTorchException.class, () -> b.copyStateFrom(a, "nope"));
        assertEquals(ErrorCode.NOT_FOUND, missing.errorCode());
        b.close();
        var closed = assertThrows(ExecuTorchException.class, () -> a.copyStateFrom(b, "forward"));
        assertEquals(ErrorCode.CLOSED, closed.errorCode());
      }
    }
    try (var isolated =
        ExecuTorchModel.load(
            Fixtures.pte("linear_regression"),
            LoadOptions.defaults().withIsolation(Isolation.PROCESS))) {
      var e = assertThrows(ExecuTorchException.class, isolated::newInstance);
      assertEquals(ErrorCode.NOT_SUPPORTED, e.errorCode());
    }
  }
}
