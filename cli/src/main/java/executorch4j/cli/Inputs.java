package executorch4j.cli;

import executorch4j.DType;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The input tensors of {@code run} and {@code bench}: parsed from {@code --input} or seeded random.
 */
final class Inputs {
  private Inputs() {}

  /** One {@code --input}: comma-separated numbers (or true/false), as many as the input holds. */
  static Tensor parse(TensorMeta t, String text) {
    String[] parts = text.isBlank() ? new String[0] : text.split(",");
    if (parts.length != t.numel()) {
      throw new Main.UsageException(
          t.name()
              + " is "
              + t.signature()
              + ": give "
              + t.numel()
              + " value(s), got "
              + parts.length);
    }
    double[] values = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim().toLowerCase(Locale.ROOT);
      try {
        values[i] =
            switch (p) {
              case "true" -> 1;
              case "false" -> 0;
              default -> Double.parseDouble(p);
            };
      } catch (NumberFormatException e) {
        throw new Main.UsageException(t.name() + ": '" + parts[i] + "' is not a number");
      }
    }
    try {
      return Tensor.fromArray(values, t.dtype(), t.shape());
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(t.name() + ": " + e.getMessage());
    }
  }

  /** Seeded values: floats in [-1, 1), integers in [0, 10), bools 0/1. */
  static Tensor random(TensorMeta t, int index) {
    var rng = new SplittableRandom(1234 + index);
    if (t.dtype().isRawStorage()) {
      byte[] raw = new byte[Math.toIntExact(t.nbytes())];
      for (int i = 0; i < raw.length; i++) {
        raw[i] = (byte) rng.nextInt(256);
      }
      return Tensor.fromArray(raw, t.dtype(), t.shape());
    }
    double[] values =
        new double[Math.toIntExact(t.dtype().isComplex() ? 2 * t.numel() : t.numel())];
    for (int i = 0; i < values.length; i++) {
      values[i] =
          t.dtype() == DType.BOOL
              ? rng.nextInt(2)
              : t.dtype().isFloatingPoint() ? rng.nextDouble(-1, 1) : rng.nextInt(10);
    }
    return Tensor.fromArray(values, t.dtype(), t.shape());
  }
}
