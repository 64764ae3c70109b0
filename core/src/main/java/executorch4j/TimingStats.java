package executorch4j;

import java.util.Arrays;

/**
 * Execute times since the last reset, plus a ring of the latest for percentiles. Guarded by the
 * model.
 */
final class TimingStats {
  /** Executes whose times feed the percentiles of {@link InferenceStats}. */
  static final int WINDOW = 1024;

  private final long[] window = new long[WINDOW];
  private long runs;
  private long lastNanos;
  private long totalNanos;
  private long minNanos = Long.MAX_VALUE;
  private long maxNanos;
  // The last snapshot, until the next record or reset: per-frame readers (Godot's
  // get_last_inference_time and get_average_inference_time) then sort the window once per run.
  private InferenceStats snapshot;

  void record(long nanos) {
    snapshot = null;
    window[(int) (runs % window.length)] = nanos;
    runs++;
    lastNanos = nanos;
    totalNanos += nanos;
    minNanos = Math.min(minNanos, nanos);
    maxNanos = Math.max(maxNanos, nanos);
  }

  InferenceStats snapshot() {
    if (snapshot == null) {
      snapshot = compute();
    }
    return snapshot;
  }

  private InferenceStats compute() {
    if (runs == 0) {
      return new InferenceStats(0, 0, 0, 0, 0, 0, 0);
    }
    long[] recent = Arrays.copyOf(window, (int) Math.min(runs, window.length));
    Arrays.sort(recent);
    return new InferenceStats(
        runs,
        lastNanos,
        totalNanos / runs,
        minNanos,
        maxNanos,
        percentile(recent, 0.50),
        percentile(recent, 0.99));
  }

  void reset() {
    snapshot = null;
    runs = 0;
    lastNanos = 0;
    totalNanos = 0;
    minNanos = Long.MAX_VALUE;
    maxNanos = 0;
  }

  /** The nearest-rank percentile of a sorted sample. */
  private static long percentile(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }
}
