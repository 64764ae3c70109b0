package executorch4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.LoadOptions;
import executorch4j.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The model zoo's load / memory / correctness probe (issue 17), run in a fresh JVM per model:
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar executorch4j.bench.ZooProbe --runtime java|ort \
 *      --manifest bench/target/zoo/NAME.json --threads N [--load-repeats R] [--iterations N] [--warmup W]
 * </pre>
 *
 * <p>Initializes the runtime untimed (executorch4j's native library, or ONNX Runtime's
 * environment), then times the first load ({@code ExecuTorchModel.load} with {@code
 * LoadOptions.defaults().withThreads(N)}, or an ONNX Runtime session with the options of {@link
 * ZooOnnxBench}), runs one forward on the manifest's inputs, checks it against the golden and reads
 * the peak RSS ({@code VmHWM} of {@code /proc/self/status}: the whole process, JVM included; {@code
 * base_rss_mb} is the RSS before the load). Then it times R-1 more loads (each closed again):
 * {@code load_ms} is the median of all R, {@code first_load_ms} the first. With {@code --iterations
 * N} it also times N forwards after W warm-up calls ({@code mean_us} ...; null otherwise). Prints
 * one JSON line; exits 3 when the output does not match.
 */
public final class ZooProbe {
  private ZooProbe() {}

  public static void main(String[] args) throws Exception {
    String runtime = null;
    Path manifest = null;
    int threads = 1;
    int loadRepeats = 5;
    int iterations = 0;
    int warmup = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        usage("missing value for " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--runtime" -> runtime = v;
        case "--manifest" -> manifest = Path.of(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--load-repeats" -> loadRepeats = Math.max(1, Integer.parseInt(v));
        case "--iterations" -> iterations = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        default -> usage("unknown option " + a);
      }
    }
    if (runtime == null || manifest == null) {
      usage("--runtime and --manifest are required");
    }
    Zoo.Manifest m = Zoo.read(manifest);
    Probe p =
        switch (runtime) {
          case "java" -> new JavaProbe(m, threads);
          case "ort" -> new OrtProbe(m, threads);
          default -> {
            usage("--runtime must be java or ort, not " + runtime);
            yield null;
          }
        };

    p.init();
    double baseRss = status("VmRSS");
    List<Double> loads = new ArrayList<>();
    long t0 = System.nanoTime();
    p.load();
    loads.add((System.nanoTime() - t0) / 1e6);
    t0 = System.nanoTime();
    Zoo.Check check = Zoo.check(m, p.forward());
    double firstForwardMs = (System.nanoTime() - t0) / 1e6;
    double[] times = new double[iterations];
    for (int i = 0; i < warmup; i++) {
      p.forward();
    }
    for (int i = 0; i < iterations; i++) {
      long s = System.nanoTime();
      p.forward();
      times[i] = (System.nanoTime() - s) / 1e3;
    }
    double peakRss = status("VmHWM");
    p.close();
    for (int r = 1; r < loadRepeats; r++) {
      t0 = System.nanoTime();
      p.load();
      loads.add((System.nanoTime() - t0) / 1e6);
      p.close();
    }
    p.shutdown();

    double[] sortedLoads = loads.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    Arrays.sort(times);
    double mean = Arrays.stream(times).average().orElse(Double.NaN);
    StringBuilder line = new StringBuilder();
    line.append("{\"runtime\":\"")
        .append(runtime)
        .append("\",\"model\":\"")
        .append(m.name())
        .append("\",\"threads\":")
        .append(threads)
        .append(",\"mean_us\":")
        .append(iterations > 0 ? Zoo.json(mean) : "null")
        .append(",\"p50_us\":")
        .append(iterations > 0 ? Zoo.json(percentile(times, 0.5)) : "null")
        .append(",\"p90_us\":")
        .append(iterations > 0 ? Zoo.json(percentile(times, 0.9)) : "null")
        .append(",\"min_us\":")
        .append(iterations > 0 ? Zoo.json(times[0]) : "null")
        .append(",\"iterations\":")
        .append(iterations)
        .append(",\"load_ms\":")
        .append(Zoo.json(percentile(sortedLoads, 0.5)))
        .append(",\"first_load_ms\":")
        .append(Zoo.json(loads.get(0)))
        .append(",\"load_repeats\":")
        .append(loadRepeats)
        .append(",\"first_forward_ms\":")
        .append(Zoo.json(firstForwardMs))
        .append(",\"peak_rss_mb\":")
        .append(Zoo.json(peakRss))
        .append(",\"base_rss_mb\":")
        .append(Zoo.json(baseRss))
        .append(",\"max_abs_err\":")
        .append(Zoo.json(check.maxAbsErr()))
        .append(",\"ok\":")
        .append(check.ok())
        .append(",\"version\":\"")
        .append(p.version().replace("\"", "'"))
        .append("\"}");
    System.out.println(line);
    if (!check.ok()) {
      System.err.println(
          "ZooProbe: "
              + runtime
              + " output of "
              + m.name()
              + " does not match the golden: "
              + check.detail());
      System.exit(3);
    }
  }

  private static void usage(String msg) {
    System.err.println(
        "ZooProbe: "
            + msg
            + "\nusage: ZooProbe --runtime java|ort --manifest NAME.json "
            + "--threads N [--load-repeats R] [--iterations N] [--warmup W]");
    System.exit(2);
  }

  /** Nearest rank, as the C++ runner. */
  private static double percentile(double[] sorted, double p) {
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.min(Math.max(idx, 0), sorted.length - 1)];
  }

  /** A {@code kB} field of /proc/self/status in MB (NaN where there is none). */
  private static double status(String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").strip()) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // not Linux
    }
    return Double.NaN;
  }

  private interface Probe {
    void init() throws Exception;

    void load() throws Exception;

    List<Zoo.Values> forward() throws Exception;

    void close() throws Exception;

    void shutdown() throws Exception;

    String version();
  }

  private static final class JavaProbe implements Probe {
    private final Zoo.Manifest m;
    private final int threads;
    private final Arena arena = Arena.ofShared();
    private Tensor[] inputs;
    private ExecuTorchModel model;

    JavaProbe(Zoo.Manifest m, int threads) {
      this.m = m;
      this.threads = threads;
    }

    @Override
    public void init() {
      ExecuTorchRuntime.version(); // loads the native library
      inputs = Zoo.inputs(m, arena);
    }

    @Override
    public void load() {
      model = ExecuTorchModel.load(m.pte(), LoadOptions.defaults().withThreads(threads));
    }

    @Override
    public List<Zoo.Values> forward() {
      return Zoo.values(model.forward(inputs));
    }

    @Override
    public void close() {
      model.close();
    }

    @Override
    public void shutdown() {
      arena.close();
    }

    @Override
    public String version() {
      return "executorch4j " + ExecuTorchRuntime.version();
    }
  }

  private static final class OrtProbe implements Probe {
    private final Zoo.Manifest m;
    private final int threads;
    private OrtEnvironment env;
    private OrtSession.SessionOptions options;
    private OrtSession session;
    private Map<String, OnnxTensor> feed;

    OrtProbe(Zoo.Manifest m, int threads) {
      this.m = m;
      this.threads = threads;
    }

    @Override
    public void init() throws OrtException {
      env = OrtEnvironment.getEnvironment(); // loads the native library
      feed = ZooOnnxBench.feed(env, m);
    }

    @Override
    public void load() throws OrtException {
      options = ZooOnnxBench.options(threads);
      session = ZooOnnxBench.session(env, m, options);
    }

    @Override
    public List<Zoo.Values> forward() throws OrtException {
      try (OrtSession.Result r = session.run(feed)) {
        return ZooOnnxBench.values(r); // copies
      }
    }

    @Override
    public void close() throws OrtException {
      session.close();
      options.close();
    }

    @Override
    public void shutdown() {
      feed.values().forEach(OnnxTensor::close);
    }

    @Override
    public String version() {
      return "onnxruntime " + OrtEnvironment.getEnvironment().getVersion();
    }
  }
}
