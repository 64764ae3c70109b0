package executorch4j.cli;

import executorch4j.ExecuTorchModel;
import executorch4j.InferenceStats;
import executorch4j.LoadOptions;
import executorch4j.MethodMeta;
import executorch4j.Tensor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/** {@code bench}: forward timed on seeded inputs (mean and percentiles). */
final class BenchCommand {
  private final PrintStream out;
  private final PrintStream err;

  BenchCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  void run(String[] args) {
    Options o = Options.parse("bench", args);
    int iterations = Math.toIntExact(o.number("--iterations", 1000));
    int warmup = Math.toIntExact(o.number("--warmup", Math.min(2000, iterations)));
    if (iterations == 0) {
      throw new Main.UsageException("--iterations must be at least 1");
    }
    LoadOptions lo = o.loadOptions().withThreads(Math.toIntExact(o.number("--threads", 0)));
    long t0 = System.nanoTime();
    try (var model = ExecuTorchModel.load(o.model(), lo)) {
      double loadMs = (System.nanoTime() - t0) / 1e6;
      MethodMeta meta = Options.methodOf(model, o);
      Tensor[] inputs = new Tensor[meta.inputs().size()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = Inputs.random(meta.inputs().get(i), i);
      }
      for (int i = 0; i < warmup; i++) {
        model.execute(o.method(), inputs);
      }
      model.resetStats();
      long[] wall = new long[iterations];
      int barWidth = 30;
      for (int i = 0; i < iterations; i++) {
        long s = System.nanoTime();
        model.execute(o.method(), inputs);
        wall[i] = System.nanoTime() - s;
        if (!o.json() && (i + 1) % Math.max(1, iterations / barWidth) == 0) {
          int filled = (int) ((long) (i + 1) * barWidth / iterations);
          err.printf(
              "\r[%s%s] %d/%d",
              "#".repeat(filled), " ".repeat(barWidth - filled), i + 1, iterations);
        }
      }
      if (!o.json()) {
        err.println();
      }
      Arrays.sort(wall);
      InferenceStats st = model.inferenceStats();
      double mean = Arrays.stream(wall).average().orElse(0) / 1e3;
      double p50 = wall[(int) Math.ceil(0.50 * iterations) - 1] / 1e3;
      double p90 = wall[(int) Math.ceil(0.90 * iterations) - 1] / 1e3;
      double p99 = wall[(int) Math.ceil(0.99 * iterations) - 1] / 1e3;
      if (o.json()) {
        out.printf(
            Locale.ROOT,
            "{\"model\":%s,\"method\":%s,\"level\":\"%s\",\"iterations\":%d,"
                + "\"load_ms\":%.3f,\"mean_us\":%.3f,\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,"
                + "\"runtime_mean_us\":%.3f}%n",
            Json.str(o.model().toString()),
            Json.str(o.method()),
            lo.optimization(),
            iterations,
            loadMs,
            mean,
            p50,
            p90,
            p99,
            st.meanNanos() / 1e3);
      } else {
        out.printf(
            Locale.ROOT,
            "%s %s, level %s, %s, %d iterations after %d warm-up%n",
            o.model(),
            o.method(),
            lo.optimization(),
            lo.effectiveThreads() == 0 ? "default threads" : lo.effectiveThreads() + " thread(s)",
            iterations,
            warmup);
        out.printf(
            Locale.ROOT,
            "load %.2f ms%nforward (wall, Java call included): mean %.2f us  p50 %.2f  p90 %.2f"
                + "  p99 %.2f%nexecute (inside the runtime): mean %.2f us%n",
            loadMs,
            mean,
            p50,
            p90,
            p99,
            st.meanNanos() / 1e3);
      }
    }
  }
}
