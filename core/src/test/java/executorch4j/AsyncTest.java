package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** forwardAsync: ordered, cancellable, closed cleanly, one failure does not poison the next. */
class AsyncTest {

  /** Runs tasks only when told to: makes "before start" deterministic. */
  static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable r) {
      tasks.add(r);
    }

    void runAll() {
      while (true) {
        Runnable r;
        synchronized (this) {
          r = tasks.poll();
        }
        if (r == null) {
          return;
        }
        r.run();
      }
    }
  }

  @Test
  void aThousandQueuedCallsCompleteInOrderWithExactResults() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      List<Integer> order = Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<Map<String, Tensor>>> futures = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        int x = i;
        futures.add(model.forwardAsync(Map.of("input_0", new float[] {x})).whenComplete((r, e) -> order.add(x)));
      }
      for (int i = 0; i < 1000; i++) {
        assertEquals(2f * i + 3, futures.get(i).get(10, TimeUnit.SECONDS).get("output_0").toFloatArray()[0], 1e-3);
      }
      assertEquals(1000, order.size());
      for (int i = 0; i < 1000; i++) {
        assertEquals(i, order.get(i), "completion order");
      }
    }
  }

  @Test
  void resultsAreOwnedByTheFuture() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var first = model.forwardAsync(Tensor.of(new float[] {0}, 1, 1)).get();
      model.forward(Tensor.of(new float[] {1}, 1, 1)); // overwrites the model's output buffer
      assertEquals(3f, first.get("output_0").toFloatArray()[0], 1e-6);
    }
  }

  @Test
  void cancelBeforeStartRemovesTheCall() throws Exception {
    var manual = new ManualExecutor();
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var a = model.executeAsync("forward", Map.of("input_0", new float[] {1}), manual);
      var b = model.executeAsync("forward", Map.of("input_0", new float[] {2}), manual);
      var c = model.executeAsync("forward", Map.of("input_0", new float[] {3}), manual);
      assertTrue(b.cancel(true));
      manual.runAll();
      assertEquals(5f, a.get().get("output_0").toFloatArray()[0], 1e-6);
      assertTrue(b.isCancelled());
      assertEquals(9f, c.get().get("output_0").toFloatArray()[0], 1e-6);
      assertEquals(2, model.inferenceStats().count(), "the cancelled call never ran");
    }
  }

  @Test
  void cancelDuringExecutionDropsTheResultAndTheModelGoesOn() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("cnn_portable"))) {
      var started = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.Executor signalling = r -> Thread.ofPlatform().start(() -> {
        started.countDown();
        r.run();
      });
      var running = model.executeAsync("forward", Map.of("input_0", new float[3 * 32 * 32]), signalling);
      assertTrue(started.await(10, TimeUnit.SECONDS));
      // Usually mid-execute (one run is ~4 ms); on a loaded machine the run may finish first.
      boolean cancelled = running.cancel(true);
      assertEquals(cancelled, running.isCancelled());
      if (cancelled) {
        assertThrows(java.util.concurrent.CancellationException.class, running::join); // result dropped
      } else {
        assertEquals(10, running.join().get("output_0").numel()); // it won the race: a whole result
      }
      var next = model.forwardAsync(Map.of("input_0", new float[3 * 32 * 32])).get(10, TimeUnit.SECONDS);
      assertEquals(10, next.get("output_0").numel());
    }
  }

  @Test
  void closeFailsPendingCallsAndWaitsForTheRunningOne() {
    var manual = new ManualExecutor();
    var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
    List<CompletableFuture<Map<String, Tensor>>> pending = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pending.add(model.executeAsync("forward", Map.of("input_0", new float[] {i}), manual));
    }
    model.close();
    manual.runAll(); // the one already handed to the executor finds the model closed
    for (var f : pending) {
      var e = assertThrows(CompletionException.class, f::join);
      assertInstanceOf(ExecuTorchException.class, e.getCause());
      assertEquals(ErrorCode.CLOSED, ((ExecuTorchException) e.getCause()).errorCode());
    }
    var after = model.forwardAsync(Map.of("input_0", new float[] {1}));
    assertEquals(ErrorCode.CLOSED, ((ExecuTorchException) assertThrows(CompletionException.class, after::join).getCause()).errorCode());
  }

  @Test
  void aFailedCallDoesNotPoisonTheNext() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var bad = model.forwardAsync(Map.of("input_0", new float[] {1, 2}));
      var good = model.forwardAsync(Map.of("input_0", new float[] {2}));
      var e = assertThrows(CompletionException.class, bad::join);
      assertEquals(ErrorCode.INPUT_MISMATCH, ((ExecuTorchException) e.getCause()).errorCode());
      assertEquals(7f, good.get().get("output_0").toFloatArray()[0], 1e-6);
    }
  }
}
