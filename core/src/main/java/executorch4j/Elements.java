package executorch4j;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads and writes single elements of any {@link DType} in native byte order. */
final class Elements {
  private Elements() {}

  static double getDouble(MemorySegment s, DType t, long i) {
    return switch (t) {
      case UINT64 -> unsignedToDouble(s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i));
      case FLOAT32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
      case FLOAT64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
      case FLOAT16 -> Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
      case BFLOAT16 ->
          Float.intBitsToFloat((s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xFFFF) << 16);
      default -> getLong(s, t, i);
    };
  }

  static long getLong(MemorySegment s, DType t, long i) {
    return switch (t) {
      case UINT8 -> s.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
      case INT8 -> s.get(ValueLayout.JAVA_BYTE, i);
      case BOOL -> s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
      case INT16 -> s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
      case INT32 -> s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
      case INT64, UINT64 -> s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
      case UINT16 -> s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xFFFF;
      case UINT32 -> s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) & 0xFFFF_FFFFL;
      case FLOAT16, FLOAT32, FLOAT64, BFLOAT16 -> (long) getDouble(s, t, i);
      default -> throw notNumeric(t, "read as single numbers");
    };
  }

  /** Real (even j) or imaginary (odd j) part of complex element j / 2. */
  static double getComplexPart(MemorySegment s, DType t, long j) {
    return switch (t) {
      case COMPLEX32 -> Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, j));
      case COMPLEX64 -> s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j);
      case COMPLEX128 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j);
      default -> throw new IllegalStateException(t + " is not complex");
    };
  }

  static void setComplexPart(MemorySegment s, DType t, long j, double v) {
    switch (t) {
      case COMPLEX32 ->
          s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, j, Float.floatToFloat16((float) v));
      case COMPLEX64 -> s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j, (float) v);
      case COMPLEX128 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j, v);
      default -> throw new IllegalStateException(t + " is not complex");
    }
  }

  /** The refusal of a value conversion on a complex or raw-storage dtype, naming it. */
  static ExecuTorchException notNumeric(DType t, String what) {
    String how =
        t.isComplex()
            ? "complex elements are (real, imaginary) pairs: use toFloatArray()/toDoubleArray() (interleaved)"
            : "it is raw storage (float8, quantized or bit-packed; no scale is carried): use toByteArray()";
    return new ExecuTorchException(
        ErrorCode.UNSUPPORTED_DTYPE, "a " + t + " tensor cannot be " + what + "; " + how);
  }

  /**
   * Whether no float32 element has an all-ones exponent: chunks are copied into an int[] whose
   * branch-free OR loop the JIT vectorizes (4x faster than reading the segment element by element).
   * (exponent bits) + (lowest exponent bit) reaches the sign bit only when all are set.
   */
  private static boolean allFiniteFloat32(MemorySegment s) {
    int[] chunk = FINITE_CHUNK.get();
    long n = s.byteSize() / 4;
    int acc = 0;
    for (long off = 0; off < n; off += chunk.length) {
      int len = (int) Math.min(chunk.length, n - off);
      MemorySegment.copy(s, ValueLayout.JAVA_INT_UNALIGNED, off * 4, chunk, 0, len);
      for (int i = 0; i < len; i++) {
        acc |= (chunk[i] & 0x7F800000) + 0x00800000;
      }
    }
    return acc >= 0;
  }

  /** The value of a uint64 held in a long's 64 bits, as the nearest double. */
  static double unsignedToDouble(long v) {
    return v >= 0 ? (double) v : ((double) (v >>> 1 | (v & 1))) * 2.0;
  }

  private static final ThreadLocal<int[]> FINITE_CHUNK =
      ThreadLocal.withInitial(() -> new int[4096]);

  /** Index of the first NaN or infinite element of a floating-point tensor, or -1. */
  static long firstNonFinite(MemorySegment s, DType t) {
    if (t == DType.FLOAT32 && allFiniteFloat32(s)) {
      return -1;
    }
    long n = s.byteSize() / t.byteSize();
    switch (t) {
      case FLOAT32 -> {
        for (long i = 0; i < n; i++) {
          // Exponent bits all ones: NaN or infinity.
          if ((s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) & 0x7F800000) == 0x7F800000) {
            return i;
          }
        }
      }
      case FLOAT64 -> {
        for (long i = 0; i < n; i++) {
          if ((s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i) & 0x7FF0000000000000L)
              == 0x7FF0000000000000L) {
            return i;
          }
        }
      }
      case FLOAT16 -> {
        for (long i = 0; i < n; i++) {
          if ((s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0x7C00) == 0x7C00) {
            return i;
          }
        }
      }
      case BFLOAT16 -> {
        for (long i = 0; i < n; i++) {
          if ((s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0x7F80) == 0x7F80) {
            return i;
          }
        }
      }
      default -> {
        return -1;
      }
    }
    return -1;
  }

  /** Writes {@code value} (a Number or Boolean) converted to {@code t}. */
  static void set(MemorySegment s, DType t, long i, Object value) {
    if (!t.isNumeric()) {
      throw notNumeric(t, "filled from numbers");
    }
    double d;
    if (value instanceof Boolean b) {
      d = b ? 1 : 0;
    } else if (value instanceof Number n) {
      if (!t.isFloatingPoint()
          && (n instanceof Long
              || n instanceof Integer
              || n instanceof Short
              || n instanceof Byte)) {
        setLong(s, t, i, n.longValue());
        return;
      }
      d = n.doubleValue();
    } else {
      throw new IllegalArgumentException(
          "element "
              + i
              + " is "
              + (value == null ? "null" : value.getClass().getSimpleName())
              + ", not a number");
    }
    switch (t) {
      case FLOAT32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) d);
      case FLOAT64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, d);
      case FLOAT16 ->
          s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) d));
      case BFLOAT16 -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, toBfloat16((float) d));
      case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (d != 0 ? 1 : 0));
      default -> {
        if (d != Math.rint(d) || Double.isInfinite(d)) {
          throw new IllegalArgumentException(
              "element " + i + " = " + d + " is not an integer, but the tensor is " + t);
        }
        if (t == DType.UINT64 && d >= 0x1p63) {
          if (d >= 0x1p64) {
            throw outOfRange(t, i, Double.toString(d));
          }
          s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, (long) (d - 0x1p63) ^ Long.MIN_VALUE);
          return;
        }
        setLong(s, t, i, (long) d);
      }
    }
  }

  private static void setLong(MemorySegment s, DType t, long i, long v) {
    switch (t) {
      case UINT8, INT8 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) v);
      case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
      case INT16 -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) v);
      case INT32 -> s.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, Math.toIntExact(v));
      case INT64 -> s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, v);
      case UINT16 ->
          s.setAtIndex(
              ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) checkUnsigned(t, i, v, 0xFFFFL));
      case UINT32 ->
          s.setAtIndex(
              ValueLayout.JAVA_INT_UNALIGNED, i, (int) checkUnsigned(t, i, v, 0xFFFF_FFFFL));
      case UINT64 ->
          s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, checkUnsigned(t, i, v, Long.MAX_VALUE));
      default -> set(s, t, i, (double) v);
    }
  }

  private static long checkUnsigned(DType t, long i, long v, long max) {
    if (v < 0 || v > max) {
      throw outOfRange(t, i, Long.toString(v));
    }
    return v;
  }

  private static IllegalArgumentException outOfRange(DType t, long i, String v) {
    return new IllegalArgumentException("element " + i + " = " + v + " is out of range for " + t);
  }

  /** float32 to bfloat16 with round-to-nearest-even (NaN stays NaN). */
  private static short toBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }
}
