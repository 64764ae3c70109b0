package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An isolated model outlives the thread that loaded it: a plain thread, a pool's thread, a virtual
 * thread's carrier. Each test waits until the loading kernel thread is gone from {@code
 * /proc/self/task} (Thread.join returns before the kernel thread exits), then runs the model from
 * the test's thread. Spawning the worker from the loading thread (PR_SET_PDEATHSIG is per thread)
 * fails every one of them with WORKER_CRASHED (SIGKILL).
 */
class IsolatedLifetimeTest {
  static final LoadOptions ISOLATED = LoadOptions.defaults().withIsolation(Isolation.PROCESS);
  static final String FIXTURE = "linear_regression";

  /** A model and the kernel thread ids it was loaded on. */
  record Loaded(ExecuTorchModel model, Set<Integer> tids) {}

  /**
   * Loads the fixture isolated; records the kernel thread before and after (a carrier may change).
   */
  static Loaded load() {
    Set<Integer> tids = new LinkedHashSet<>();
    tids.add(kernelTid());
    ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(FIXTURE), ISOLATED);
    tids.add(kernelTid());
    return new Loaded(model, tids);
  }

  @Test
  @Timeout(60)
  void aModelLoadedOnAThreadThatEndedStillRuns() throws Exception {
    FutureTask<Loaded> task = new FutureTask<>(IsolatedLifetimeTest::load);
    Thread loader = new Thread(task, "loader");
    loader.start();
    loader.join();
    Loaded loaded = task.get();
    try (ExecuTorchModel model = loaded.model()) {
      awaitGone(loaded.tids(), 30);
      assertMatchesGoldens(model);
    }
  }

  @Test
  @Timeout(60)
  void aModelLoadedInAPoolTaskRunsAfterThePoolTerminated() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(1);
    var future = pool.submit(IsolatedLifetimeTest::load);
    Loaded loaded = future.get();
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "the pool terminated");
    try (ExecuTorchModel model = loaded.model()) {
      awaitGone(loaded.tids(), 30);
      assertMatchesGoldens(model);
    }
  }

  /**
   * The worker is spawned on whichever carrier runs the virtual thread; the carrier ends once the
   * scheduler trims it after its keep-alive (30 s in the JDK), which this test waits for.
   */
  @Test
  @Timeout(180)
  void aModelLoadedOnAVirtualThreadRunsAfterItsCarrierEnded() throws Exception {
    FutureTask<Loaded> task = new FutureTask<>(IsolatedLifetimeTest::load);
    Thread loader = Thread.ofVirtual().name("virtual-loader").start(task);
    loader.join();
    Loaded loaded = task.get();
    assertTrue(
        !loaded.tids().contains(kernelTid()), "the virtual thread ran on a carrier, not on main");
    try (ExecuTorchModel model = loaded.model()) {
      awaitGone(loaded.tids(), 150);
      assertMatchesGoldens(model);
    }
  }

  /** Every PyTorch-eager golden case of the fixture, one forward call each. */
  static void assertMatchesGoldens(ExecuTorchModel model) {
    Fixtures.Golden golden = Fixtures.golden(FIXTURE);
    int checked = 0;
    for (Fixtures.Case kase : golden.methods().get("forward").cases()) {
      Map<String, Tensor> out = model.forward(kase.inputs().getFirst().toTensor());
      Fixtures.assertMatches(
          kase.outputs().getFirst(), out.get("output_0"), golden.tolerance(), "case " + checked);
      checked++;
    }
    assertEquals(GoldenFixturesTest.EXPECTED_CASES.get(FIXTURE), checked, "cases checked");
  }

  /** This thread's kernel thread id (a virtual thread's: its carrier's, at this moment). */
  static int kernelTid() {
    try {
      // "/proc/thread-self" links to "<pid>/task/<tid>".
      return Integer.parseInt(
          Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until none of {@code tids} is a thread of this process; fails after {@code seconds}. */
  static void awaitGone(Set<Integer> tids, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (int tid : tids) {
      Path task = Path.of("/proc/self/task", Integer.toString(tid));
      while (Files.exists(task)) {
        if (System.nanoTime() > deadline) {
          fail("kernel thread " + tid + " still runs after " + seconds + " s: nothing was shown");
        }
        Thread.sleep(50);
      }
    }
  }
}
