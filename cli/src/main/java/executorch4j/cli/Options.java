package executorch4j.cli;

import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.Isolation;
import executorch4j.LoadOptions;
import executorch4j.MemoryPolicy;
import executorch4j.MethodMeta;
import executorch4j.OptimizationLevel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A command's parsed options; {@code --name value} and {@code --name=value} both work. Parsing
 * loads every {@code --op-library} first: kernels must be registered before a model loads.
 */
record Options(
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
      throw new Main.UsageException(key + " needs a non-negative whole number, got '" + v + "'");
    }
  }

  LoadOptions loadOptions() {
    LoadOptions o = LoadOptions.defaults();
    String level = extra.get("--level");
    if (level != null) {
      try {
        o = o.withOptimization(OptimizationLevel.valueOf(level.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new Main.UsageException(
            "--level must be NONE, BASIC or AGGRESSIVE, got '" + level + "'");
      }
    }
    if (extra.containsKey("--pool")) {
      o = o.withMemory(MemoryPolicy.STATIC, number("--pool", 0));
    }
    if (extra.containsKey("--isolated")) {
      o = o.withIsolation(Isolation.PROCESS); // with the isolated defaults (60 s per call)
    }
    return o.withProfiling(
        extra.containsKey("--profile")
            || extra.containsKey("--trace")
            || extra.containsKey("--etdump"));
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

  static Options parse(String command, String[] args) {
    Path model = null;
    String method = "forward";
    List<String> inputs = new ArrayList<>();
    boolean random = false;
    boolean json = false;
    Map<String, String> extra = new java.util.HashMap<>();
    List<String> libraries = new ArrayList<>();
    ArgCursor words = new ArgCursor(args);
    while (words.next()) {
      String a = words.word();
      if (a.startsWith("--")) {
        boolean valued = VALUED.get(command).contains(a);
        if (!valued && !FLAGS.get(command).contains(a)) {
          bad(a);
        }
        if (!valued && words.hasInlineValue()) {
          throw new Main.UsageException(a + " takes no value");
        }
        String value = valued ? words.value() : null;
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
          throw new Main.UsageException("more than one model given: " + model + ", " + a);
        }
        model = Path.of(a);
      }
    }
    if (model == null && !extra.containsKey("--runtime")) {
      throw new Main.UsageException("missing MODEL.pte");
    }
    if (random && !inputs.isEmpty()) {
      throw new Main.UsageException("use either --input or --random, not both");
    }
    // Kernels must be registered before the model loads.
    for (String library : libraries) {
      ExecuTorchRuntime.loadOperatorLibrary(Path.of(library));
    }
    return new Options(model, method, inputs, random, json, extra, libraries);
  }

  private static boolean bad(String option) {
    throw new Main.UsageException("unknown option " + option);
  }

  static MethodMeta methodOf(ExecuTorchModel model, Options o) {
    if (!model.methodNames().contains(o.method())) {
      throw new Main.UsageException(
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
}
