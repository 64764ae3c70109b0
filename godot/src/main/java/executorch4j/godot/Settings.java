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
    if (policy == MemoryPolicy.STATIC && pool <= 0) {
      throw new IllegalArgumentException("memory_policy=1 (STATIC) needs pool_size_bytes > 0");
    }
    return new Settings(policy, pool, level);
  }
}
