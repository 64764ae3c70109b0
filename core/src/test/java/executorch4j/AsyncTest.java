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
        futures.add(
            model
                .forwardAsync(Map.of("input_0", new float[] {x}))
                .whenComplete((r, e) -> order.add(x)));
      }
      for (int i = 0; i < 1000; i++) {
        assertEquals(
            2f * i + 3,
            futures.get(i).get(10, TimeUnit.SECONDS).get("output_0").toFloatArray()[0],
            1e-3);
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
      java.util.concurrent.Executor signalling =
          r ->
              Thread.ofPlatform()
                  .start(
                      () -> {
                        started.countDown();
                        r.run();
                      });
      var running =
          model.executeAsync("forward", Map.of("input_0", new float[3 * 32 * 32]), signalling);
      assertTrue(started.await(10, TimeUnit.SECONDS));
      // Usually mid-execute (one run is ~4 ms); on a loaded machine the run may finish first.
      boolean cancelled = running.cancel(true);
      assertEquals(cancelled, running.isCancelled());
      if (cancelled) {
        assertThrows(
            java.util.concurrent.CancellationException.class, running::join); // result dropped
      } else {
        assertEquals(10, running.join().get("output_0").numel()); // it won the race: a whole result
      }
      var next =
          model.forwardAsync(Map.of("input_0", new float[3 * 32 * 32])).get(10, TimeUnit.SECONDS);
      assertEquals(10, next.get("output_0").numel());
    }
  }

  @Test
  void closeFailsCallsNotStartedBeforeTheModelRuns() {
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
    assertEquals(
        ErrorCode.CLOSED,
        ((ExecuTorchException) assertThrows(CompletionException.class, after::join).getCause())
            .errorCode());
  }

  /** True while {@code t} is inside the native execute (seen from its stack, a JDK observer). */
  static boolean insideExecute(Thread t) {
    for (StackTraceElement f : t.getStackTrace()) {
      if (f.getClassName().equals("executorch4j.LoadedMethod") && f.getMethodName().equals("run")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void closeWaitsForTheRunningCallAndFailsTheQueuedOnes() throws Exception {
    Fixtures.Golden golden = Fixtures.golden("cnn_portable");
    Fixtures.Case kase = golden.methods().get("forward").cases().getFirst();
    int observedRunning = 0;
    int rounds = 0;
    while (observedRunning < 3 && rounds < 200) {
      rounds++;
      var model =
          ExecuTorchModel.load(
              Fixtures.pte("cnn_portable"),
              LoadOptions.defaults().withOptimization(OptimizationLevel.NONE));
      var worker = new java.util.concurrent.atomic.AtomicReference<Thread>();
      Executor ownThread = r -> worker.set(Thread.ofPlatform().start(r));
      var running =
          model.executeAsync(
              "forward", Map.of("input_0", kase.inputs().getFirst().data()), ownThread);
      List<CompletableFuture<Map<String, Tensor>>> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        queued.add(
            model.executeAsync("forward", Map.of("input_0", new float[3 * 32 * 32]), ownThread));
      }
      boolean seen = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!running.isDone() && System.nanoTime() < deadline) {
        Thread t = worker.get();
        if (t != null && insideExecute(t)) {
          seen = true;
          break;
        }
      }
      if (seen) {
        observedRunning++;
        model.close(); // the first call is provably inside execute now
        assertTrue(running.isDone(), "close returned before the running call finished");
        Map<String, Tensor> out = running.join(); // a whole, correct result
        Fixtures.assertMatches(
            kase.outputs().getFirst(), out.get("output_0"), golden.tolerance(), "running call");
        // The running call may finish, and the next one start, between the look above and close():
        // a call that started before close() gives its whole result; every later one CLOSED.
        int refused = 0;
        for (var f : queued) {
          try {
            assertEquals(1, f.get(10, TimeUnit.SECONDS).size(), "a call that ran before close");
            assertEquals(0, refused, "a call ran after a later-queued one was refused");
          } catch (java.util.concurrent.ExecutionException e) {
            assertEquals(
                ErrorCode.CLOSED,
                ((ExecuTorchException) e.getCause()).errorCode(),
                "a queued call");
            refused++;
          }
        }
        assertTrue(refused > 0, "close() refused none of the calls queued behind the running one");
      } else {
        model.close(); // it finished before we looked: not a round that tests anything
        for (var f : queued) {
          try {
            f.get(10, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException ignored) {
            // CLOSED or ran: this round does not count
          }
        }
      }
    }
    assertEquals(
        3,
        observedRunning,
        "rounds where close raced a call seen inside execute (of " + rounds + ")");
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
