package executorch4j.godot;

import executorch4j.MemoryPolicy;
import executorch4j.OptimizationLevel;
import java.util.Locale;

/**
 * An ExecuTorchResource's settings as saved next to its model: {@code model.pte.cfg}, in Godot's
 * ConfigFile text format, so {@code load()} restores what the inspector set. The {@code .pte} stays
 * the exporter's file, byte for byte.
 */
record Settings(MemoryPolicy policy, long poolBytes, OptimizationLevel level) {
  static final String SECTION = "[executorch]";

  /**
   * The largest STATIC pool: 1 GiB. The pool is allocated and zero-filled when the model loads, so
   * a {@code .pte.cfg} (which travels with the model) must not be able to ask for any amount; a
   * model that needs more runs with AUTO memory, which allocates only what its methods plan.
   */
  static final long MAX_POOL_BYTES = 1L << 30;

  /** Why {@code bytes} is not a pool size, or null when it is one. */
  static String poolProblem(long bytes) {
    if (bytes < 0) {
      return "pool_size_bytes must be >= 0, got " + bytes;
    }
    if (bytes > MAX_POOL_BYTES) {
      return "pool_size_bytes="
          + bytes
          + " is above the maximum of "
          + MAX_POOL_BYTES
          + " (1 GiB; the pool is allocated and zero-filled at load): use memory_policy=0 (AUTO)"
          + " for a model that needs more";
    }
    return null;
  }

  static String sidecar(String modelPath) {
    return modelPath + ".cfg";
  }

  String text() {
    return SECTION
        + "\n\n"
        + "memory_policy="
        + policy.ordinal()
        + "\n"
        + "pool_size_bytes="
        + poolBytes
        + "\n"
        + "optimization_level="
        + level.ordinal()
        + "\n";
  }

  /** Parses {@link #text()}; unknown keys are ignored, bad values are an error naming them. */
  static Settings parse(String text, Settings defaults) {
    MemoryPolicy policy = defaults.policy();
    long pool = defaults.poolBytes();
    OptimizationLevel level = defaults.level();
    boolean inSection = false;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("[")) {
        inSection = line.equals(SECTION);
        continue;
      }
      int eq = line.indexOf('=');
      if (!inSection || eq < 0) {
        continue;
      }
      String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(eq + 1).strip();
      try {
        switch (key) {
          case "memory_policy" -> policy = MemoryPolicy.values()[Integer.parseInt(value)];
          case "pool_size_bytes" -> pool = Long.parseLong(value);
          case "optimization_level" -> level = OptimizationLevel.values()[Integer.parseInt(value)];
          default -> {}
        }
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw new IllegalArgumentException("bad value for " + key + ": '" + value + "'");
      }
    }
    if (policy == MemoryPolicy.CUSTOM) {
      policy = MemoryPolicy.AUTO; // CUSTOM needs a Java allocator; GDScript cannot supply one
    }
    String problem = poolProblem(pool);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (policy == MemoryPolicy.STATIC && pool <= 0) {
      throw new IllegalArgumentException("memory_policy=1 (STATIC) needs pool_size_bytes > 0");
    }
    return new Settings(policy, pool, level);
  }
}
