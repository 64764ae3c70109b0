package executorch4j;

import java.util.concurrent.atomic.AtomicReference;

/** Runs a call on a new platform thread and hands its failure back to the test's thread. */
final class OtherThread {
  private OtherThread() {}

  /** What {@code call} threw on another thread, or null if it returned. */
  static Throwable failureOf(Runnable call) throws InterruptedException {
    var failure = new AtomicReference<Throwable>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    call.run();
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    t.join();
    return failure.get();
  }
}
