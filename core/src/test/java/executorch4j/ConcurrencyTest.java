package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The thread contract: a model shared between threads serializes calls (every result is the
 * caller's own, y = 2x + 3 for linear_regression, never another thread's), and close racing forward
 * ends every call in a result or CLOSED, never a crash. Workers only record; every assertion runs
 * on the test thread after join.
 */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class ConcurrencyTest {
  private static final int THREADS = 8;
  private static final int CALLS = 500;

  @Test
  void sharedModelRunsEveryCallWholeAndGivesItsCallerItsOwnResult() throws Exception {
    // Readers hold the model (the monitor its calls serialize on) from their call to their read,
    // so every one of their results is checked: a view stays the caller's only until the next
    // call. Racers call forward on the same model without holding anything and never read, so
    // the model's own serialization is what keeps their calls out of a reader's call and read.
    var failures = new ConcurrentLinkedQueue<String>();
    var checked = new AtomicInteger();
    int readers = THREADS / 2;
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var start = new CountDownLatch(1);
      Thread[] threads = new Thread[THREADS];
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        boolean reader = t < readers;
        threads[t] =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                        for (int i = 0; i < CALLS; i++) {
                          float x =
                              thread * CALLS + i; // distinct per thread and call, exact in float32
                          if (!reader) {
                            model.forward(Tensor.of(new float[] {x}, 1, 1));
                            continue;
                          }
                          float y;
                          synchronized (model) {
                            y =
                                model
                                    .forward(Tensor.of(new float[] {x}, 1, 1))
                                    .get("output_0")
                                    .toFloatArray()[0];
                          }
                          if (y == 2 * x + 3) {
                            checked.incrementAndGet();
                          } else {
                            failures.add(
                                "thread "
                                    + thread
                                    + ": x="
                                    + x
                                    + " gave "
                                    + y
                                    + ", not "
                                    + (2 * x + 3));
                          }
                        }
                      } catch (Throwable e) {
                        failures.add("thread " + thread + " died: " + e);
                      }
                    });
      }
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(List.of(), failures.stream().limit(5).toList(), failures.size() + " failures");
      assertEquals(readers * CALLS, checked.get(), "every reader's call gave its own 2x + 3");
      assertEquals(THREADS * CALLS, model.inferenceStats().count(), "every call ran exactly once");
      assertEquals(
          7f, model.forward(Map.of("input_0", new float[] {2})).get("output_0").toFloatArray()[0]);
    }
  }

  @Test
  void asyncResultsStayExactWhileOtherThreadsCallForward() throws Exception {
    // forwardAsync's result "is a copy that belongs to the future", so synchronous calls from
    // other threads on the same model must never change or fail it.
    var failures = new ConcurrentLinkedQueue<String>();
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      Thread[] noise = new Thread[3];
      for (int t = 0; t < noise.length; t++) {
        noise[t] =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        while (!stop.get()) {
                          model.forward(Tensor.of(new float[] {-1000}, 1, 1));
                        }
                      } catch (Throwable e) {
                        failures.add("noise thread died: " + e);
                      }
                    });
      }
      List<java.util.concurrent.CompletableFuture<Map<String, Tensor>>> futures =
          new java.util.ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        futures.add(model.forwardAsync(Tensor.of(new float[] {i}, 1, 1)));
      }
      int exact = 0;
      for (int i = 0; i < futures.size(); i++) {
        try {
          float y =
              futures
                  .get(i)
                  .get(30, java.util.concurrent.TimeUnit.SECONDS)
                  .get("output_0")
                  .toFloatArray()[0];
          if (y == 2f * i + 3) {
            exact++;
          } else {
            failures.add("async x=" + i + " got " + y);
          }
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add("async x=" + i + " failed: " + e.getCause());
        }
      }
      stop.set(true);
      for (Thread t : noise) {
        t.join();
      }
      List<String> shown = failures.stream().limit(5).toList();
      assertEquals(List.of(), shown, failures.size() + " failures");
      assertEquals(2000, exact);
    }
  }

  @Test
  void closeRacingForwardEndsInAResultOrClosedNeverACrash() throws Exception {
    var failures = new ConcurrentLinkedQueue<String>();
    var results = new AtomicInteger();
    var closedCalls = new AtomicInteger();
    var ranBeforeClose = new AtomicInteger();
    float[] zeros = new float[3 * 32 * 32];
    for (int round = 0; round < 30; round++) {
      var model =
          ExecuTorchModel.load(
              Fixtures.pte("cnn_portable"),
              LoadOptions.defaults().withOptimization(OptimizationLevel.NONE));
      var start = new CountDownLatch(1);
      var firstDone = new CountDownLatch(1);
      Thread[] threads = new Thread[3];
      for (int t = 0; t < threads.length; t++) {
        threads[t] =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                        for (int i = 0; i < 5; i++) {
                          try {
                            Map<String, Tensor> out = model.forward(Map.of("input_0", zeros));
                            if (out.size() != 1) {
                              failures.add("outputs: " + out.size());
                            }
                            results.incrementAndGet();
                            firstDone.countDown();
                            try {
                              // The map and its view: readable, superseded by another call, or
                              // freed by close.
                              if (out.get("output_0").toFloatArray().length != 10) {
                                failures.add("output_0 is not float32[1,10]");
                              }
                            } catch (ExecuTorchException e) {
                              if (e.errorCode() != ErrorCode.CLOSED
                                  && e.errorCode() != ErrorCode.INVALID_STATE) {
                                failures.add("reading a view: " + e);
                              }
                            }
                          } catch (ExecuTorchException e) {
                            if (e.errorCode() == ErrorCode.CLOSED) {
                              closedCalls.incrementAndGet();
                            } else {
                              failures.add("forward: " + e);
                            }
                          }
                        }
                      } catch (Throwable e) {
                        failures.add("worker died: " + e);
                      }
                    });
      }
      start.countDown();
      if (round % 2 == 0) {
        firstDone.await(); // close while calls are still queued on the model
        ranBeforeClose.incrementAndGet();
      }
      model.close();
      for (Thread t : threads) {
        t.join();
      }
      assertTrue(!model.isLoaded());
      assertEquals(
          ErrorCode.CLOSED,
          org.junit.jupiter.api.Assertions.assertThrows(
                  ExecuTorchException.class, () -> model.forward(Map.of("input_0", zeros)))
              .errorCode());
    }
    assertEquals(List.of(), List.copyOf(failures));
    assertEquals(
        30 * 3 * 5, results.get() + closedCalls.get(), "every call ended in a result or CLOSED");
    assertTrue(results.get() >= ranBeforeClose.get(), "rounds that waited saw results");
    assertTrue(closedCalls.get() > 0, "close really raced some calls");
  }
}
