package executorch4j.bench;

import executorch4j.LoadOptions;
import executorch4j.Tensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The Java peer of {@code bench/zoo/parity.py}: one zoo model loaded as {@link ZooBench} loads it
 * ({@code LoadOptions.defaults().withThreads(N)}, output checked against the golden), warmed up,
 * then timed in blocks that the coordinator interleaves with the C++ and Python peers' blocks:
 *
 * <pre>
 * java -Dexecutorch4j.zoo=DIR -cp bench/target/benchmarks.jar executorch4j.bench.ZooServe NAME THREADS WARMUP_SECONDS
 * </pre>
 *
 * <p>Prints {@code {"runtime":"java","serving":true,...}} when ready, then answers each stdin line
 * {@code N} with one line of N per-call times {@code TOTAL:EXECUTE} in microseconds (a call =
 * {@code forward} on the preallocated native inputs, as in ZooBench; EXECUTE = the runtime's
 * execute inside it, {@code inferenceStats().lastNanos()}), until {@code q} or end of input.
 * Interleaving is what JMH cannot do across processes: on a shared 2-core VM, the machine's drift
 * then falls on every peer alike.
 */
public final class ZooServe {
  private ZooServe() {}

  /** Reads one output value so the call cannot be optimized away. */
  private static volatile float sink;

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ZooServe NAME THREADS WARMUP_SECONDS");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[1]);
    long warmupNanos = (long) (Double.parseDouble(args[2]) * 1e9);
    try (Zoo.Loaded loaded =
        new Zoo.Loaded(args[0], LoadOptions.defaults().withThreads(threads), "Java")) {
      long end = System.nanoTime() + warmupNanos;
      while (System.nanoTime() < end) {
        call(loaded);
      }
      System.out.println(
          "{\"runtime\":\"java\",\"serving\":true,\"threads\":" + threads + ",\"ok\":true}");
      System.out.flush();
      var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      long[] times = new long[0];
      long[] executes = new long[0];
      StringBuilder line = new StringBuilder();
      for (String request; (request = in.readLine()) != null && !request.startsWith("q"); ) {
        int n = Integer.parseInt(request.trim());
        if (times.length < n) {
          times = new long[n];
          executes = new long[n];
        }
        for (int k = 0; k < n; k++) {
          long t0 = System.nanoTime();
          call(loaded);
          times[k] = System.nanoTime() - t0;
          executes[k] = loaded.model.inferenceStats().lastNanos();
        }
        line.setLength(0);
        for (int k = 0; k < n; k++) {
          if (k > 0) {
            line.append(' ');
          }
          micros(line, times[k]).append(':');
          micros(line, executes[k]);
        }
        System.out.println(line);
        System.out.flush();
      }
    }
  }

  /**
   * Appends nanoseconds as microseconds with three decimals. Plain integer arithmetic: the
   * harness's own code must not keep the JIT busy (String.format did, for seconds, on the cores the
   * model's threads run on).
   */
  private static StringBuilder micros(StringBuilder sb, long nanos) {
    long frac = nanos % 1000;
    sb.append(nanos / 1000).append('.');
    if (frac < 100) {
      sb.append(frac < 10 ? "00" : "0");
    }
    return sb.append(frac);
  }

  private static void call(Zoo.Loaded loaded) {
    Map<String, Tensor> out = loaded.model.forward(loaded.inputs);
    Tensor first = out.values().iterator().next();
    if (first.segment().byteSize() >= 4) {
      sink = first.segment().get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
    }
  }
}
