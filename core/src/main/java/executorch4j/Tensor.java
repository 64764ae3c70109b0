package executorch4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dense, contiguous (row-major) tensor: a {@link DType}, a shape, and a view over native memory.
 *
 * <p>Tensors never copy on their own: {@link #wrap} views caller memory as is, and outputs returned
 * by {@link ExecuTorchModel} view the model's own memory and stay valid only until the next call on
 * that model (or until it is closed, after which reading one throws {@link ExecuTorchException}
 * with {@link ErrorCode#CLOSED}). Call {@link #copy()} to keep an output. The {@code of(...)}
 * factories copy a Java array once into GC-managed native memory.
 */
public final class Tensor {
  private final MemorySegment data;
  private final DType dtype;
  private final long[] shape;

  private Tensor(MemorySegment data, DType dtype, long[] shape) {
    this.data = data;
    this.dtype = dtype;
    this.shape = shape;
  }

  /**
   * A zero-copy view of {@code data} as a tensor. The segment must be native (off-heap) memory
   * holding exactly {@code numel(shape) * dtype.byteSize()} bytes, and must stay alive while the
   * tensor is used.
   *
   * @throws IllegalArgumentException also when that byte size does not fit in a long
   */
  public static Tensor wrap(MemorySegment data, DType dtype, long... shape) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(dtype, "dtype");
    long[] s = checkShape(shape);
    if (!data.isNative()) {
      throw new IllegalArgumentException(
          "Tensor.wrap needs native memory; use Tensor.of(array, shape) for Java arrays");
    }
    long need = byteSize(dtype, s);
    if (data.byteSize() != need) {
      throw new IllegalArgumentException(
          "segment holds "
              + data.byteSize()
              + " bytes but "
              + dtype
              + shapeText(s)
              + " needs "
              + need);
    }
    return new Tensor(data, dtype, s);
  }

  /** A float32 tensor holding a copy of {@code values}. */
  public static Tensor of(float[] values, long... shape) {
    return fromArray(values, DType.FLOAT32, shape);
  }

  /** A float64 tensor holding a copy of {@code values}. */
  public static Tensor of(double[] values, long... shape) {
    return fromArray(values, DType.FLOAT64, shape);
  }

  /** An int32 tensor holding a copy of {@code values}. */
  public static Tensor of(int[] values, long... shape) {
    return fromArray(values, DType.INT32, shape);
  }

  /** An int64 tensor holding a copy of {@code values}. */
  public static Tensor of(long[] values, long... shape) {
    return fromArray(values, DType.INT64, shape);
  }

  /** A bool tensor holding a copy of {@code values}. */
  public static Tensor of(boolean[] values, long... shape) {
    return fromArray(values, DType.BOOL, shape);
  }

  /** An int8 tensor holding a copy of {@code values}. */
  public static Tensor of(byte[] values, long... shape) {
    return fromArray(values, DType.INT8, shape);
  }

  /**
   * A tensor of {@code dtype} and {@code shape} holding {@code values} converted element by
   * element. {@code values} is a primitive array ({@code float[]}, {@code double[]}, {@code int[]},
   * {@code long[]}, {@code short[]}, {@code byte[]}, {@code boolean[]}) or a {@code List<? extends
   * Number|Boolean>}; float16/bfloat16 round to nearest even. Unsigned dtypes take values in their
   * range (0..65535 for uint16, ...; a uint64 above {@code Long.MAX_VALUE} as a double). Complex
   * dtypes take interleaved (real, imaginary) pairs, {@code 2 * numel} values; raw-storage dtypes
   * (see {@link DType}) take a {@code byte[]} of their exact bytes.
   */
  public static Tensor fromArray(Object values, DType dtype, long... shape) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(dtype, "dtype");
    long[] s = checkShape(shape);
    int n = length(values);
    long bytes = byteSize(dtype, s);
    MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, bytes), 16).asSlice(0, bytes);
    if (dtype.isRawStorage()) {
      if (!(values instanceof byte[] raw) || raw.length != bytes) {
        throw new IllegalArgumentException(
            dtype
                + " is raw storage: pass a byte[] of its "
                + bytes
                + " bytes for shape "
                + shapeText(s));
      }
      MemorySegment.copy(raw, 0, seg, ValueLayout.JAVA_BYTE, 0, raw.length);
      return new Tensor(seg, dtype, s);
    }
    long expected = dtype.isComplex() ? 2 * numel(s) : numel(s);
    if (n != expected) {
      throw new IllegalArgumentException(
          n
              + " values do not fill shape "
              + shapeText(s)
              + " ("
              + numel(s)
              + " elements"
              + (dtype.isComplex() ? ", " + expected + " real/imaginary parts" : "")
              + ")");
    }
    for (int i = 0; i < n; i++) {
      if (dtype.isComplex()) {
        Object v = element(values, i);
        if (!(v instanceof Number num)) {
          throw new IllegalArgumentException("element " + i + " is not a number");
        }
        Elements.setComplexPart(seg, dtype, i, num.doubleValue());
      } else {
        Elements.set(seg, dtype, i, element(values, i));
      }
    }
    return new Tensor(seg, dtype, s);
  }

  /**
   * A tensor of {@code dtype} and {@code shape} whose bytes are all zero (any dtype).
   *
   * @throws IllegalArgumentException for a negative dimension, or a byte size that does not fit in
   *     a long
   */
  public static Tensor zeros(DType dtype, long... shape) {
    Objects.requireNonNull(dtype, "dtype");
    long[] s = checkShape(shape);
    long bytes = byteSize(dtype, s);
    return new Tensor(Arena.ofAuto().allocate(Math.max(1, bytes), 16).asSlice(0, bytes), dtype, s);
  }

  /** Element type. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** The shape without a copy, for the library's hot path; never handed to callers. */
  long[] shapeRef() {
    return shape;
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public long numel() {
    return numel(shape);
  }

  /** The memory behind this tensor (no copy). */
  public MemorySegment segment() {
    return data;
  }

  /** Byte size of the data. */
  public long byteSize() {
    return data.byteSize();
  }

  /** A copy that owns its memory (GC-managed), independent of the model that produced this. */
  public Tensor copy() {
    return read(this::copyNow);
  }

  private Tensor copyNow() {
    MemorySegment seg =
        Arena.ofAuto().allocate(Math.max(1, data.byteSize()), 16).asSlice(0, data.byteSize());
    seg.copyFrom(data);
    return new Tensor(seg, dtype, shape.clone());
  }

  /**
   * Element {@code i} (flat, row-major) as a double, for any numeric dtype.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for complex and raw-storage
   *     dtypes
   */
  public double getDouble(long i) {
    requireNumeric("read as a double");
    long index = Objects.checkIndex(i, numel());
    return read(() -> Elements.getDouble(data, dtype, index));
  }

  /**
   * All elements as floats (converted from any numeric dtype; bool gives 0/1). Complex dtypes give
   * interleaved (real, imaginary) pairs, {@code 2 * numel()} floats.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for raw-storage dtypes
   */
  public float[] toFloatArray() {
    return read(this::toFloatArrayNow);
  }

  private float[] toFloatArrayNow() {
    if (dtype == DType.FLOAT32 || dtype == DType.COMPLEX64) {
      return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }
    if (dtype.isComplex()) {
      float[] out = new float[Math.toIntExact(2 * numel())];
      for (int j = 0; j < out.length; j++) {
        out[j] = (float) Elements.getComplexPart(data, dtype, j);
      }
      return out;
    }
    requireNumeric("converted to floats");
    float[] out = new float[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Elements.getDouble(data, dtype, i);
    }
    return out;
  }

  /**
   * All elements as doubles (uint64 as its unsigned value, rounded). Complex dtypes give
   * interleaved (real, imaginary) pairs, {@code 2 * numel()} doubles.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for raw-storage dtypes
   */
  public double[] toDoubleArray() {
    return read(this::toDoubleArrayNow);
  }

  private double[] toDoubleArrayNow() {
    if (dtype.isComplex()) {
      double[] out = new double[Math.toIntExact(2 * numel())];
      for (int j = 0; j < out.length; j++) {
        out[j] = Elements.getComplexPart(data, dtype, j);
      }
      return out;
    }
    requireNumeric("converted to doubles");
    double[] out = new double[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getDouble(data, dtype, i);
    }
    return out;
  }

  /**
   * All elements as ints (integer and bool dtypes only): uint8 gives 0..255, uint16 0..65535.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for uint32 and uint64 (use
   *     {@link #toLongArray()}), complex and raw-storage dtypes
   */
  public int[] toIntArray() {
    return read(this::toIntArrayNow);
  }

  private int[] toIntArrayNow() {
    requireIntegral("toIntArray");
    if (dtype == DType.UINT32 || dtype == DType.UINT64) {
      throw new ExecuTorchException(
          ErrorCode.UNSUPPORTED_DTYPE,
          "a "
              + dtype
              + " tensor cannot be converted to ints (values beyond Integer.MAX_VALUE): use toLongArray()");
    }
    if (dtype == DType.INT32) {
      return data.toArray(ValueLayout.JAVA_INT_UNALIGNED);
    }
    int[] out = new int[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.toIntExact(Elements.getLong(data, dtype, i));
    }
    return out;
  }

  /**
   * All elements as longs (integer and bool dtypes only): uint32 gives 0..4294967295; uint64 gives
   * the same 64 bits (read values from 2^63 up with {@link Long#toUnsignedString(long)}).
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for complex and raw-storage
   *     dtypes
   */
  public long[] toLongArray() {
    return read(this::toLongArrayNow);
  }

  private long[] toLongArrayNow() {
    requireIntegral("toLongArray");
    if (dtype == DType.INT64 || dtype == DType.UINT64) {
      return data.toArray(ValueLayout.JAVA_LONG_UNALIGNED);
    }
    long[] out = new long[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getLong(data, dtype, i);
    }
    return out;
  }

  /** All elements as booleans (non-zero is true; numeric dtypes only). */
  public boolean[] toBooleanArray() {
    return read(this::toBooleanArrayNow);
  }

  private boolean[] toBooleanArrayNow() {
    requireNumeric("converted to booleans");
    boolean[] out = new boolean[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getDouble(data, dtype, i) != 0;
    }
    return out;
  }

  /** The raw bytes (native byte order); works for every dtype. */
  public byte[] toByteArray() {
    return read(this::toByteArrayNow);
  }

  private byte[] toByteArrayNow() {
    return data.toArray(ValueLayout.JAVA_BYTE);
  }

  @Override
  public String toString() {
    return "Tensor[" + dtype + shapeText(shape) + "]";
  }

  // ---- helpers shared with ExecuTorchModel ----

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * {@code numel(shape) * dtype.byteSize()}, checked: a shape whose elements or bytes do not fit in
   * a long would otherwise wrap to a small (or negative) size and be allocated or wrapped as such.
   */
  static long byteSize(DType dtype, long[] shape) {
    try {
      return Math.multiplyExact(numel(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          dtype
              + shapeText(shape)
              + " needs more than "
              + Long.MAX_VALUE
              + " bytes (its element count times "
              + dtype.byteSize()
              + " bytes overflows a long): use a smaller shape");
    }
  }

  static String shapeText(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }

  private static long[] checkShape(long[] shape) {
    Objects.requireNonNull(shape, "shape");
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + shapeText(shape));
      }
    }
    return shape.clone();
  }

  private void requireNumeric(String what) {
    if (!dtype.isNumeric()) {
      throw Elements.notNumeric(dtype, what);
    }
  }

  private void requireIntegral(String what) {
    requireNumeric("converted by " + what);
    if (dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(what + " on a " + dtype + " tensor; use toFloatArray()");
    }
  }

  /**
   * Runs a read of the data. Reading freed memory is refused by FFM; this says whose memory it was
   * and what to do, also when another thread frees it during the read (FFM's
   * IllegalStateException).
   */
  private <T> T read(java.util.function.Supplier<T> reader) {
    requireReadable(null);
    try {
      return reader.get();
    } catch (IllegalStateException e) {
      requireReadable(e);
      throw e;
    }
  }

  private void requireReadable(RuntimeException cause) {
    if (!data.scope().isAlive()) {
      throw new ExecuTorchException(
          ErrorCode.CLOSED,
          "this tensor's memory was freed: it is an output of a closed model, or a kernel's argument used"
              + " after its call returned (copy() what you keep)",
          cause);
    }
  }

  static int length(Object values) {
    if (values instanceof List<?> list) {
      return list.size();
    }
    if (values.getClass().isArray() && values.getClass().getComponentType().isPrimitive()) {
      return java.lang.reflect.Array.getLength(values);
    }
    throw new IllegalArgumentException(
        "unsupported value type "
            + values.getClass().getSimpleName()
            + " (use a primitive array, a List of numbers, or a Tensor)");
  }

  private static Object element(Object values, int i) {
    return values instanceof List<?> list ? list.get(i) : java.lang.reflect.Array.get(values, i);
  }
}
