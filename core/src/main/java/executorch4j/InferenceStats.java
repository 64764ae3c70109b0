package executorch4j;

/**
 * Timing of a model's executes, measured inside the native facade on a monotonic clock and covering
 * the runtime's execute only (not input conversion or output wrapping). Percentiles are over the
 * last 1,024 executes; the rest over all since the last reset. All times in nanoseconds; 0 when
 * there was no execute.
 */
public record InferenceStats(
    long count,
    long lastNanos,
    long meanNanos,
    long minNanos,
    long maxNanos,
    long p50Nanos,
    long p99Nanos) {

  /** Last execute in milliseconds (the spec's {@code get_last_inference_time}). */
  public double lastMillis() {
    return lastNanos / 1e6;
  }

  /** Mean execute in milliseconds. */
  public double meanMillis() {
    return meanNanos / 1e6;
  }
}
