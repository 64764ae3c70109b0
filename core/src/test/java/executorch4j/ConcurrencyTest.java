package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The thread contract: a shared model serializes calls; close racing forward never crashes. */
class ConcurrencyTest {

  @Test
  void eightThreadsTimesAThousandForwardsAreExact() throws Exception {
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          int exact = 0;
          for (int i = 0; i < 1000; i++) {
            float x = thread * 1000 + i;
            // Calls are serialized inside the model; holding its monitor across the call and the
            // read keeps the output view ours until we have read it (views belong to the next call).
            float y;
            synchronized (model) {
              y = model.forward(Tensor.of(new float[] {x}, 1, 1)).get("output_0").toFloatArray()[0];
            }
            if (y == 2 * x + 3) {
              exact++;
            }
          }
          return exact;
        }));
      }
      for (Future<Integer> f : results) {
        assertEquals(1000, f.get());
      }
      assertEquals(8000, model.inferenceStats().count());
    }
  }

  @Test
  void closeRacingForwardEndsInAnExceptionNeverACrash() throws Exception {
    for (int round = 0; round < 50; round++) {
      var model = ExecuTorchModel.load(Fixtures.pte("cnn_portable"), LoadOptions.defaults().withOptimization(OptimizationLevel.NONE));
      var start = new CountDownLatch(1);
      var losers = new AtomicInteger();
      var winners = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        threads.add(Thread.ofPlatform().start(() -> {
          try {
            start.await();
            for (int i = 0; i < 5; i++) {
              Tensor y = model.forward(java.util.Map.of("input_0", new float[3 * 32 * 32])).get("output_0");
              y.toFloatArray(); // may find the model closed under it
              winners.incrementAndGet();
            }
          } catch (ExecuTorchException e) {
            assertEquals(ErrorCode.CLOSED, e.errorCode());
            losers.incrementAndGet();
          } catch (IllegalStateException e) {
            losers.incrementAndGet(); // an output view read after close: refused, not read
          } catch (InterruptedException e) {
            fail(e);
          }
        }));
      }
      start.countDown();
      Thread.sleep(round % 5);
      model.close();
      for (Thread t : threads) {
        t.join();
      }
      assertTrue(losers.get() + winners.get() > 0);
    }
  }
}
