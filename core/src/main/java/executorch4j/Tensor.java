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
 * <p>Tensors never copy on their own: {@link #wrap} views caller memory as is, and outputs
 * returned by {@link ExecuTorchModel} view the model's own memory and stay valid only until the
 * next call on that model (or until it is closed, after which reading one throws
 * {@link ExecuTorchException} with {@link ErrorCode#CLOSED}). Call {@link #copy()} to keep an output. The {@code of(...)}
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
   * holding exactly {@code numel(shape) * dtype.byteSize()} bytes, and must stay alive while
   * the tensor is used.
   */
  public static Tensor wrap(MemorySegment data, DType dtype, long... shape) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(dtype, "dtype");
    long[] s = checkShape(shape);
    if (!data.isNative()) {
      throw new IllegalArgumentException(
          "Tensor.wrap needs native memory; use Tensor.of(array, shape) for Java arrays");
    }
    long need = numel(s) * dtype.byteSize();
    if (data.byteSize() != need) {
      throw new IllegalArgumentException(
          "segment holds " + data.byteSize() + " bytes but " + dtype + shapeText(s) + " needs " + need);
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
   * element. {@code values} is a primitive array ({@code float[]}, {@code double[]},
   * {@code int[]}, {@code long[]}, {@code short[]}, {@code byte[]}, {@code boolean[]}) or a
   * {@code List<? extends Number|Boolean>}; float16/bfloat16 round to nearest even.
   */
  public static Tensor fromArray(Object values, DType dtype, long... shape) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(dtype, "dtype");
    long[] s = checkShape(shape);
    int n = length(values);
    if (n != numel(s)) {
      throw new IllegalArgumentException(
          n + " values do not fill shape " + shapeText(s) + " (" + numel(s) + " elements)");
    }
    MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, (long) n * dtype.byteSize()), 16)
        .asSlice(0, (long) n * dtype.byteSize());
    for (int i = 0; i < n; i++) {
      Elements.set(seg, dtype, i, element(values, i));
    }
    return new Tensor(seg, dtype, s);
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
    requireReadable();
    MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, data.byteSize()), 16)
        .asSlice(0, data.byteSize());
    seg.copyFrom(data);
    return new Tensor(seg, dtype, shape.clone());
  }

  /** Element {@code i} (flat, row-major) as a double, whatever the dtype. */
  public double getDouble(long i) {
    requireReadable();
    return Elements.getDouble(data, dtype, Objects.checkIndex(i, numel()));
  }

  /** All elements as floats (converted from any numeric dtype; bool gives 0/1). */
  public float[] toFloatArray() {
    requireReadable();
    if (dtype == DType.FLOAT32) {
      return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }
    float[] out = new float[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Elements.getDouble(data, dtype, i);
    }
    return out;
  }

  /** All elements as doubles. */
  public double[] toDoubleArray() {
    requireReadable();
    double[] out = new double[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getDouble(data, dtype, i);
    }
    return out;
  }

  /** All elements as ints (integer and bool dtypes only). */
  public int[] toIntArray() {
    requireReadable();
    requireIntegral("toIntArray");
    if (dtype == DType.INT32) {
      return data.toArray(ValueLayout.JAVA_INT_UNALIGNED);
    }
    int[] out = new int[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.toIntExact(Elements.getLong(data, dtype, i));
    }
    return out;
  }

  /** All elements as longs (integer and bool dtypes only). */
  public long[] toLongArray() {
    requireReadable();
    requireIntegral("toLongArray");
    if (dtype == DType.INT64) {
      return data.toArray(ValueLayout.JAVA_LONG_UNALIGNED);
    }
    long[] out = new long[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getLong(data, dtype, i);
    }
    return out;
  }

  /** All elements as booleans (non-zero is true). */
  public boolean[] toBooleanArray() {
    requireReadable();
    boolean[] out = new boolean[Math.toIntExact(numel())];
    for (int i = 0; i < out.length; i++) {
      out[i] = Elements.getDouble(data, dtype, i) != 0;
    }
    return out;
  }

  /** The raw bytes (native byte order). */
  public byte[] toByteArray() {
    requireReadable();
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

  private void requireIntegral(String what) {
    if (dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(what + " on a " + dtype + " tensor; use toFloatArray()");
    }
  }

  /** Reading freed memory is refused by FFM; this says whose memory it was and what to do. */
  private void requireReadable() {
    if (!data.scope().isAlive()) {
      throw new ExecuTorchException(ErrorCode.CLOSED,
          "this tensor's memory was freed: it is an output of a closed model, or a kernel's argument used"
              + " after its call returned (copy() what you keep)");
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
        "unsupported value type " + values.getClass().getSimpleName()
            + " (use a primitive array, a List of numbers, or a Tensor)");
  }

  private static Object element(Object values, int i) {
    return values instanceof List<?> list ? list.get(i) : java.lang.reflect.Array.get(values, i);
  }
}
