package executorch4j.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic mutations of a .pte: case {@code k} of a seed always gives the same bytes, so a
 * crash can be replayed from (fixture, seed, case) alone.
 */
public final class Mutations {
  private Mutations() {}

  /** The kinds of damage, picked round-robin so every kind is covered by a small run. */
  public static final String[] KINDS = {
    "bitflip",
    "byterun",
    "truncate-section",
    "truncate-random",
    "header-field",
    "flatbuffer-u32",
    "duplicate-segment",
    "swap-segments",
    "random-file",
    "multi"
  };

  public static byte[] mutate(byte[] original, long seed, int k) {
    var rng = new SplittableRandom(seed * 1_000_003L + k);
    String kind = KINDS[k % KINDS.length];
    return apply(kind, original, rng);
  }

  public static String kind(int k) {
    return KINDS[k % KINDS.length];
  }

  private static byte[] apply(String kind, byte[] original, SplittableRandom rng) {
    byte[] b = original.clone();
    int n = b.length;
    switch (kind) {
      case "bitflip" -> {
        for (int i = 0, flips = 1 + rng.nextInt(8); i < flips; i++) {
          int pos = rng.nextInt(n);
          b[pos] ^= (byte) (1 << rng.nextInt(8));
        }
      }
      case "byterun" -> {
        int pos = rng.nextInt(n);
        int len = Math.min(n - pos, 1 + rng.nextInt(64));
        byte v = (byte) (rng.nextBoolean() ? 0xFF : rng.nextInt(256));
        Arrays.fill(b, pos, pos + len, v);
      }
      case "truncate-section" -> {
        int[] cuts = sectionBoundaries(original);
        int cut = cuts[rng.nextInt(cuts.length)] + rng.nextInt(-2, 3);
        return Arrays.copyOf(original, Math.max(0, Math.min(n - 1, cut)));
      }
      case "truncate-random" -> {
        return Arrays.copyOf(original, rng.nextInt(n));
      }
      case "header-field" -> {
        // The extended header: magic at 8, length at 12, program size at 16, segment base at 24.
        int[] fields = {12, 16, 20, 24, 28};
        int f = fields[rng.nextInt(fields.length)];
        putInt(b, f, pick(rng, n));
      }
      case "flatbuffer-u32" -> {
        // Offsets and lengths in the flatbuffer are u32s at 4-byte boundaries.
        int limit = Math.max(8, Math.min(n, programSize(original)) - 4);
        for (int i = 0, hits = 1 + rng.nextInt(3); i < hits; i++) {
          putInt(b, (rng.nextInt(limit / 4)) * 4, pick(rng, n));
        }
      }
      case "duplicate-segment", "swap-segments" -> {
        int base = segmentBase(original);
        if (base <= 0 || base >= n - 8) {
          return apply("bitflip", original, rng);
        }
        int len = 1 + rng.nextInt(Math.max(1, (n - base) / 2));
        int a = base + rng.nextInt(Math.max(1, n - base - len));
        int c = base + rng.nextInt(Math.max(1, n - base - len));
        if (kind.equals("duplicate-segment")) {
          System.arraycopy(original, a, b, c, Math.min(len, n - c));
        } else {
          byte[] tmp = Arrays.copyOfRange(b, a, a + len);
          System.arraycopy(b, c, b, a, Math.min(len, n - c));
          System.arraycopy(tmp, 0, b, c, Math.min(len, n - c));
        }
      }
      case "random-file" -> {
        byte[] r = new byte[rng.nextInt(1, 4096)];
        rng.nextBytes(r);
        if (rng.nextBoolean() && r.length > 8) {
          System.arraycopy(original, 4, r, 4, 4); // a valid "ET12" identifier, garbage after
        }
        return r;
      }
      default -> {
        byte[] x = b;
        for (int i = 0, rounds = 2 + rng.nextInt(3); i < rounds; i++) {
          x = apply(KINDS[rng.nextInt(KINDS.length - 2)], x.length > 16 ? x : original, rng);
        }
        return x;
      }
    }
    return b;
  }

  /** 0, max, negative, just past the end, or a small random value. */
  private static int pick(SplittableRandom rng, int n) {
    return switch (rng.nextInt(6)) {
      case 0 -> 0;
      case 1 -> Integer.MAX_VALUE;
      case 2 -> -1 - rng.nextInt(1 << 20);
      case 3 -> 0xFFFFFFF0;
      case 4 -> n + rng.nextInt(64);
      default -> rng.nextInt(Math.max(1, n));
    };
  }

  static int[] sectionBoundaries(byte[] b) {
    int program = programSize(b);
    int base = segmentBase(b);
    return new int[] {
      4, 8, 16, 32, 64, program, base, base + 1, (base + b.length) / 2, b.length - 1
    };
  }

  static int programSize(byte[] b) {
    return hasHeader(b) ? (int) Math.min(b.length, le(b).getLong(16)) : b.length;
  }

  static int segmentBase(byte[] b) {
    return hasHeader(b) ? (int) Math.min(b.length, le(b).getLong(24)) : b.length;
  }

  private static boolean hasHeader(byte[] b) {
    return b.length >= 32 && b[8] == 'e' && b[9] == 'h' && b[10] == '0' && b[11] == '0';
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void putInt(byte[] b, int pos, int v) {
    if (pos >= 0 && pos + 4 <= b.length) {
      le(b).putInt(pos, v);
    }
  }
}
