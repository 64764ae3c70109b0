package executorch4j.cli;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.InferenceStats;
import executorch4j.Isolation;
import executorch4j.LoadOptions;
import executorch4j.MemoryPolicy;
import executorch4j.MethodMeta;
import executorch4j.MethodOperators;
import executorch4j.OptimizationLevel;
import executorch4j.ProfileReport;
import executorch4j.ProgramInfo;
import executorch4j.Segment;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code executorch4j} command line: inspect, run and demo.
 *
 * <p>Exit codes: 0 success, 1 a model or runtime error, 2 a usage error.
 */
public final class Main {
  static final String USAGE =
      """
      usage: executorch4j <command> [options]

        inspect MODEL.pte [--json] [--isolated] [--op-library LIB.so]...
            print the methods, input/output metadata, operators (and which have no kernel),
            and data segments
        inspect --runtime [--json]
            print the runtime's delegate backends and the operators it has kernels for
        --op-library LIB.so  (inspect, run, bench; repeatable) load a native library of custom
            operator kernels first
        run MODEL.pte [--method NAME] [--input V1,V2,...]... [--random] [--json] [--isolated]
                      [--level NONE|BASIC|AGGRESSIVE] [--pool BYTES]
                      [--profile] [--trace OUT.json] [--etdump OUT.etdump]
            run a method; each --input gives one input's values in order, reshaped to its
            declared shape; --random fills every input with seeded values; --pool runs in
            one STATIC pool; --profile prints per-operator times, --trace writes a Chrome
            trace (Perfetto), --etdump an ETDump for ExecuTorch's devtools
        --isolated  (untrusted models) load and run the model in a sandboxed worker process:
            a crash or hang in the runtime fails with WORKER_CRASHED / TIMEOUT (60 s per call)
        bench MODEL.pte [--method NAME] [--iterations N] [--warmup N] [--level L] [--threads T]
            time forward on seeded inputs: mean, p50, p90, p99
      """
          + GenerateCommand.USAGE
          + """
        demo
            run the bundled linear-regression model (y = 2x + 3) over the spec table
        version
            print library and runtime versions
      """;

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new Main(System.out, System.err).run(args));
  }

  /** Usage errors. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  int run(String[] args) {
    try {
      if (args.length == 0) {
        throw new UsageException("missing command");
      }
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      switch (args[0]) {
        case "inspect" -> inspect(rest);
        case "run" -> runModel(rest);
        case "bench" -> bench(rest);
        case "generate" -> new GenerateCommand(out, err, System.in).run(rest);
        case "demo" -> demo();
        case "version" -> out.println(executorch4j.ExecuTorchRuntime.version());
        case "-h", "--help", "help" -> out.print(USAGE);
        default -> throw new UsageException("unknown command '" + args[0] + "'");
      }
      return 0;
    } catch (UsageException e) {
      err.println("executorch4j: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (ExecuTorchException
        | IllegalArgumentException e) { // refused by the runtime, or bad input data
      err.println("executorch4j: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("executorch4j: " + e);
      return 1;
    }
  }

  // ---------------------------------------------------------------- options

  /** Parsed options; {@code --name value} and {@code --name=value} both work. */
  private record Options(
      Path model,
      String method,
      List<String> inputs,
      boolean random,
      boolean json,
      Map<String, String> extra,
      List<String> libraries) {
    String get(String key, String fallback) {
      return extra.getOrDefault(key, fallback);
    }

    long number(String key, long fallback) {
      String v = extra.get(key);
      if (v == null) {
        return fallback;
      }
      try {
        long n = Long.parseLong(v.replace("_", ""));
        if (n < 0) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new UsageException(key + " needs a non-negative whole number, got '" + v + "'");
      }
    }

    LoadOptions loadOptions() {
      LoadOptions o = LoadOptions.defaults();
      String level = extra.get("--level");
      if (level != null) {
        try {
          o = o.withOptimization(OptimizationLevel.valueOf(level.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new UsageException(
              "--level must be NONE, BASIC or AGGRESSIVE, got '" + level + "'");
        }
      }
      if (extra.containsKey("--pool")) {
        o = o.withMemory(MemoryPolicy.STATIC, number("--pool", 0));
      }
      if (extra.containsKey("--isolated")) {
        o = o.withIsolation(Isolation.PROCESS).withCallTimeout(java.time.Duration.ofSeconds(60));
      }
      return o.withProfiling(
          extra.containsKey("--profile")
              || extra.containsKey("--trace")
              || extra.containsKey("--etdump"));
    }
  }

  /** Options that take a value, per command. */
  private static final Map<String, List<String>> VALUED =
      Map.of(
          "inspect", List.of("--op-library"),
          "run",
              List.of(
                  "--method",
                  "--input",
                  "--level",
                  "--pool",
                  "--trace",
                  "--etdump",
                  "--op-library"),
          "bench",
              List.of(
                  "--method", "--iterations", "--warmup", "--level", "--threads", "--op-library"));

  private static final Map<String, List<String>> FLAGS =
      Map.of(
          "inspect", List.of("--json", "--isolated", "--runtime"),
          "run", List.of("--json", "--random", "--profile", "--isolated"),
          "bench", List.of("--json"));

  private static Options parse(String command, String[] args) {
    Path model = null;
    String method = "forward";
    List<String> inputs = new ArrayList<>();
    boolean random = false;
    boolean json = false;
    Map<String, String> extra = new java.util.HashMap<>();
    List<String> libraries = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      if (a.startsWith("--")) {
        boolean valued = VALUED.get(command).contains(a);
        if (!valued && !FLAGS.get(command).contains(a)) {
          bad(a);
        }
        if (valued && value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException(a + " needs a value");
          }
          value = args[++i];
        } else if (!valued && value != null) {
          throw new UsageException(a + " takes no value");
        }
        switch (a) {
          case "--json" -> json = true;
          case "--random" -> random = true;
          case "--method" -> method = value;
          case "--input" -> inputs.add(value);
          case "--op-library" -> libraries.add(value);
          default -> extra.put(a, valued ? value : "true");
        }
      } else {
        if (model != null) {
          throw new UsageException("more than one model given: " + model + ", " + a);
        }
        model = Path.of(a);
      }
    }
    if (model == null && !extra.containsKey("--runtime")) {
      throw new UsageException("missing MODEL.pte");
    }
    if (random && !inputs.isEmpty()) {
      throw new UsageException("use either --input or --random, not both");
    }
    // Kernels must be registered before the model loads.
    for (String library : libraries) {
      ExecuTorchRuntime.loadOperatorLibrary(Path.of(library));
    }
    return new Options(model, method, inputs, random, json, extra, libraries);
  }

  private static boolean bad(String option) {
    throw new UsageException("unknown option " + option);
  }

  // --------------------------------------------------------------- commands

  private void inspect(String[] args) {
    Options o = parse("inspect", args);
    if (o.extra().containsKey("--runtime")) {
      if (o.model() != null) {
        throw new UsageException("inspect --runtime takes no model");
      }
      List<String> backends = ExecuTorchRuntime.registeredBackends();
      List<String> ops = ExecuTorchRuntime.registeredOperators();
      if (o.json()) {
        out.println(
            "{\"backends\":" + Json.strs(backends) + ",\"operators\":" + Json.strs(ops) + "}");
      } else {
        out.printf(
            "%s%nbackends (%d): %s%noperators (%d):%n",
            ExecuTorchRuntime.version(), backends.size(), String.join(", ", backends), ops.size());
        ops.forEach(op -> out.println("  " + op));
      }
      return;
    }
    // Read from the program alone, so a model that cannot load for want of a kernel still says
    // which.
    List<MethodOperators> operators = ExecuTorchRuntime.operators(o.model());
    ExecuTorchModel loaded;
    try {
      loaded = ExecuTorchModel.load(o.model(), o.loadOptions());
    } catch (ExecuTorchException e) {
      // What the program declares is still known: say it all, then the load error.
      ProgramInfo info = ExecuTorchRuntime.inspect(o.model());
      if (o.json()) {
        out.println(Json.inspect(info.methods(), operators));
      } else {
        out.printf(
            "%s (%d bytes): cannot load (see the error below)%n", o.model(), info.sourceBytes());
        for (MethodMeta meta : info.methods()) {
          printMethod(meta);
          operators.stream()
              .filter(m -> m.method().equals(meta.name()))
              .forEach(m -> printOperators(m, ""));
        }
      }
      throw e;
    }
    try (var model = loaded) {
      if (o.json()) {
        out.println(Json.inspect(model, operators));
        return;
      }
      out.printf("%s (%d bytes)%n", o.model(), model.sourceBytes());
      for (String name : model.methodNames()) {
        printMethod(model.methodMeta(name));
        operators.stream().filter(m -> m.method().equals(name)).forEach(m -> printOperators(m, ""));
      }
      for (Segment seg : model.segments()) {
        out.printf(
            "segment %-10s %8d bytes at %d%s%n",
            seg.kind().name().toLowerCase(java.util.Locale.ROOT),
            seg.size(),
            seg.offset(),
            seg.name().isEmpty() ? "" : "  " + seg.name());
      }
      out.printf(
          "STATIC pool needed: %d bytes (--pool / MemoryPolicy.STATIC)%n",
          ExecuTorchModel.requiredPoolBytes(o.model()));
    }
  }

  private void printMethod(MethodMeta meta) {
    out.printf(
        "method %s%s%n",
        meta.name(),
        meta.backends().isEmpty()
            ? ""
            : "  [delegated: " + String.join(", ", meta.backends()) + "]");
    for (TensorMeta t : meta.inputs()) {
      out.printf("  in   %-10s %s%n", t.name(), t.signature());
    }
    for (TensorMeta t : meta.outputs()) {
      out.printf("  out  %-10s %s%n", t.name(), t.signature());
    }
    out.printf(
        "  planned memory: %d bytes in %d buffer(s)%n",
        meta.plannedBytes(), meta.plannedBufferSizes().size());
  }

  private void printOperators(MethodOperators m, String header) {
    out.print(header);
    out.printf("  operators (%d): %s%n", m.operators().size(), String.join(", ", m.operators()));
    if (!m.isComplete()) {
      out.printf(
          "  missing operators (no kernel in this runtime): %s%n", String.join(", ", m.missing()));
    }
  }

  private void runModel(String[] args) {
    Options o = parse("run", args);
    try (var model = ExecuTorchModel.load(o.model(), o.loadOptions())) {
      MethodMeta meta = methodOf(model, o);
      List<TensorMeta> declared = meta.inputs();
      if (!o.random() && o.inputs().size() != declared.size()) {
        throw new UsageException(
            o.method()
                + " takes "
                + declared.size()
                + " input(s) ("
                + declared.stream().map(TensorMeta::toString).collect(Collectors.joining(", "))
                + "); give one --input each, or --random");
      }
      Tensor[] inputs = new Tensor[declared.size()];
      for (int i = 0; i < inputs.length; i++) {
        TensorMeta t = declared.get(i);
        inputs[i] = o.random() ? Inputs.random(t, i) : Inputs.parse(t, o.inputs().get(i));
      }
      Map<String, Tensor> outputs = model.execute(o.method(), inputs);
      if (o.json()) {
        out.println(Json.outputs(outputs));
      } else {
        for (var e : outputs.entrySet()) {
          Tensor t = e.getValue();
          out.printf(
              "%s %s%s = %s%n",
              e.getKey(), t.dtype(), Arrays.toString(t.shape()).replace(" ", ""), Json.values(t));
        }
      }
      if (model.isProfiling()) {
        ProfileReport report = model.profile();
        if (o.extra().containsKey("--profile")) {
          (o.json() ? err : out).print(report.toTable());
        }
        write(
            o.extra().get("--trace"),
            report.toChromeTrace().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        write(o.extra().get("--etdump"), o.extra().containsKey("--etdump") ? model.etdump() : null);
      }
    }
  }

  private void write(String file, byte[] data) {
    if (file == null) {
      return;
    }
    try {
      java.nio.file.Files.write(Path.of(file), data);
      err.println("wrote " + file + " (" + data.length + " bytes)");
    } catch (IOException e) {
      throw new ExecuTorchException(
          executorch4j.ErrorCode.ACCESS_FAILED, "cannot write " + file + ": " + e.getMessage());
    }
  }

  private static MethodMeta methodOf(ExecuTorchModel model, Options o) {
    if (!model.methodNames().contains(o.method())) {
      throw new UsageException(
          "no method '"
              + o.method()
              + "' in "
              + o.model()
              + " (methods: "
              + String.join(", ", model.methodNames())
              + ")");
    }
    return model.methodMeta(o.method());
  }

  private void bench(String[] args) {
    Options o = parse("bench", args);
    int iterations = Math.toIntExact(o.number("--iterations", 1000));
    int warmup = Math.toIntExact(o.number("--warmup", Math.min(2000, iterations)));
    if (iterations == 0) {
      throw new UsageException("--iterations must be at least 1");
    }
    LoadOptions lo = o.loadOptions().withThreads(Math.toIntExact(o.number("--threads", 0)));
    long t0 = System.nanoTime();
    try (var model = ExecuTorchModel.load(o.model(), lo)) {
      double loadMs = (System.nanoTime() - t0) / 1e6;
      MethodMeta meta = methodOf(model, o);
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

  private void demo() {
    byte[] bytes;
    try (InputStream in =
        Main.class.getResourceAsStream("/executorch4j/demo/linear_regression.pte")) {
      if (in == null) {
        throw new ExecuTorchException(
            executorch4j.ErrorCode.NOT_FOUND, "the demo model is missing from the jar");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new ExecuTorchException(
          executorch4j.ErrorCode.ACCESS_FAILED, "cannot read the demo model", e);
    }
    try (var model = ExecuTorchModel.load(executorch4j.ModelSource.bytes(bytes))) {
      out.println("linear_regression.pte: y = 2x + 3, run by ExecuTorch from Java");
      out.println("   input | expected |   output");
      boolean ok = true;
      for (float x : new float[] {0, 1, 2, -1}) {
        float expected = 2 * x + 3;
        float y =
            model.forward(Map.of("input_0", new float[] {x})).get("output_0").toFloatArray()[0];
        ok &= Math.abs(y - expected) < 1e-6;
        out.printf("%8.1f | %8.1f | %8.1f%n", x, expected, y);
      }
      out.printf(
          "average inference time: %.1f us over %d runs%n",
          model.inferenceStats().meanNanos() / 1000.0, model.inferenceStats().count());
      if (!ok) {
        throw new ExecuTorchException(
            executorch4j.ErrorCode.INTERNAL, "demo outputs differ from y = 2x + 3");
      }
    }
  }
}
