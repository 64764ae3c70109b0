package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_kernel_value;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One call of a custom operator, as an {@link OperatorKernel} sees it: the operator's arguments in
 * schema order, and the tensors it must write.
 *
 * <p>For an {@code .out} operator such as {@code mul3.out(Tensor x, *, Tensor(a!) out)} the
 * arguments are {@code x} (index 0) and {@code out} (index 1), and {@code out} is also {@link
 * #output(int) output(0)}. Tensors are zero-copy views of the runtime's memory: inputs are
 * read-only, outputs writable. Everything here is valid only during the kernel's {@code run}, on
 * its thread.
 */
public final class KernelCall {
  /** The type of an argument (ExecuTorch's value tags, in their order). */
  public enum Kind {
    /** An optional argument that is absent. */
    NONE,
    TENSOR,
    STRING,
    DOUBLE,
    INT,
    BOOL,
    BOOL_LIST,
    DOUBLE_LIST,
    INT_LIST,
    /** Lists of tensors are not passed to Java kernels; only their length is known. */
    TENSOR_LIST,
    SCALAR_LIST,
    OPTIONAL_TENSOR_LIST
  }

  private final String operator;
  private final MemorySegment call; // et_kernel_call*, valid during the call
  private final MemorySegment values; // et_kernel_value[n]
  private final int arguments;
  private final int[] outputs; // value indexes of the outputs
  private final Tensor[] outputViews;
  private final Arena arena; // confined, closed when the kernel returns: views die with the call

  KernelCall(String operator, MemorySegment call, MemorySegment values, int count, Arena arena) {
    this.operator = operator;
    this.call = call;
    this.values = values;
    this.arena = arena;
    this.arguments = Math.max(0, count - 1); // the last value is the return slot
    List<Integer> outs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (et_kernel_value.is_output(value(i)) != 0) {
        outs.add(i);
      }
    }
    this.outputs = outs.stream().mapToInt(Integer::intValue).toArray();
    this.outputViews = new Tensor[outputs.length];
  }

  /** The operator's name, e.g. {@code executorch4j_test::mul3.out}. */
  public String operator() {
    return operator;
  }

  /** Number of arguments (schema order, out arguments included). */
  public int argumentCount() {
    return arguments;
  }

  /** The type of argument {@code i}. */
  public Kind kind(int i) {
    int tag = et_kernel_value.tag(argument(i));
    return tag >= 0 && tag < Kind.values().length ? Kind.values()[tag] : Kind.NONE;
  }

  /** Whether optional argument {@code i} is absent. */
  public boolean isNone(int i) {
    return kind(i) == Kind.NONE;
  }

  /** Tensor argument {@code i}: read-only unless it is an output (then as {@link #output}). */
  public Tensor tensor(int i) {
    MemorySegment v = expect(i, Kind.TENSOR);
    for (int k = 0; k < outputs.length; k++) {
      if (outputs[k] == i) {
        return output(k);
      }
    }
    return view(v, true);
  }

  /** Integer argument {@code i}. */
  public long intValue(int i) {
    return et_kernel_value.int_value(expect(i, Kind.INT));
  }

  /** Floating-point argument {@code i}. */
  public double doubleValue(int i) {
    return et_kernel_value.double_value(expect(i, Kind.DOUBLE));
  }

  /** Boolean argument {@code i}. */
  public boolean boolValue(int i) {
    return et_kernel_value.int_value(expect(i, Kind.BOOL)) != 0;
  }

  /** String argument {@code i} (UTF-8). */
  public String stringValue(int i) {
    MemorySegment v = expect(i, Kind.STRING);
    return new String(elements(v, 1).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
  }

  /** Integer-list argument {@code i} (e.g. {@code int[] dims}), copied. */
  public long[] intList(int i) {
    return elements(expect(i, Kind.INT_LIST), 8).toArray(ValueLayout.JAVA_LONG);
  }

  /** Float-list argument {@code i}, copied. */
  public double[] doubleList(int i) {
    return elements(expect(i, Kind.DOUBLE_LIST), 8).toArray(ValueLayout.JAVA_DOUBLE);
  }

  /** Bool-list argument {@code i}, copied. */
  public boolean[] boolList(int i) {
    byte[] bytes = elements(expect(i, Kind.BOOL_LIST), 1).toArray(ValueLayout.JAVA_BYTE);
    boolean[] out = new boolean[bytes.length];
    for (int k = 0; k < bytes.length; k++) {
      out[k] = bytes[k] != 0;
    }
    return out;
  }

  /** Number of tensors this call must write. */
  public int outputCount() {
    return outputs.length;
  }

  /** Output {@code k}: a writable view of the runtime's out tensor, at its current shape. */
  public Tensor output(int k) {
    Objects.checkIndex(k, outputs.length);
    if (outputViews[k] == null) {
      outputViews[k] = view(value(outputs[k]), false);
    }
    return outputViews[k];
  }

  /**
   * Resizes output {@code k} (same rank), as ExecuTorch's {@code resize_tensor} allows: only a
   * dimension the program declared dynamic may change, within its bound.
   *
   * @throws ExecuTorchException if the runtime refuses the shape
   */
  public Tensor resizeOutput(int k, long... shape) {
    Objects.checkIndex(k, outputs.length);
    Objects.requireNonNull(shape, "shape");
    MemorySegment sizes = arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, shape.length));
    MemorySegment.copy(shape, 0, sizes, ValueLayout.JAVA_LONG, 0, shape.length);
    int status =
        Et4j.et_kernel_call_resize_output(
            call, outputs[k], sizes, shape.length, MemorySegment.NULL);
    if (status != 0) {
      throw Native.error(status, null);
    }
    outputViews[k] = view(value(outputs[k]), false);
    return outputViews[k];
  }

  /**
   * Copies {@code result} into output {@code k}, after checking it: the dtype must be the out
   * tensor's, and a different shape must be one the runtime lets the out tensor take ({@link
   * #resizeOutput}).
   *
   * @throws ExecuTorchException {@link ErrorCode#KERNEL_FAILED} for a wrong dtype, or the runtime's
   *     refusal of the shape
   */
  public void setOutput(int k, Tensor result) {
    Objects.requireNonNull(result, "result");
    Tensor out = output(k);
    if (result.dtype() != out.dtype()) {
      throw new ExecuTorchException(
          ErrorCode.KERNEL_FAILED,
          operator
              + ": output "
              + k
              + " is "
              + out.dtype()
              + Tensor.shapeText(out.shapeRef())
              + ", the kernel gave "
              + result.dtype()
              + Tensor.shapeText(result.shapeRef()));
    }
    if (!java.util.Arrays.equals(result.shapeRef(), out.shapeRef())) {
      out = resizeOutput(k, result.shapeRef());
    }
    out.segment().copyFrom(result.segment());
  }

  @Override
  public String toString() {
    return "KernelCall["
        + operator
        + ", "
        + arguments
        + " arguments, "
        + outputs.length
        + " outputs]";
  }

  // ---- internals ----

  private MemorySegment value(int i) {
    return et_kernel_value.asSlice(values, i);
  }

  private MemorySegment argument(int i) {
    Objects.checkIndex(i, arguments);
    return value(i);
  }

  private MemorySegment expect(int i, Kind kind) {
    MemorySegment v = argument(i);
    Kind actual = kind(i);
    if (actual != kind) {
      throw new IllegalArgumentException(
          operator + ": argument " + i + " is " + actual + ", not " + kind);
    }
    return v;
  }

  private MemorySegment elements(MemorySegment v, int elementSize) {
    long count = et_kernel_value.count(v);
    MemorySegment data = et_kernel_value.data(v);
    return count == 0 ? MemorySegment.NULL : data.reinterpret(count * elementSize, arena, null);
  }

  private Tensor view(MemorySegment v, boolean readOnly) {
    int rank = et_kernel_value.rank(v);
    long[] shape = new long[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = et_kernel_value.sizes(v, d);
    }
    long nbytes = et_kernel_value.nbytes(v);
    MemorySegment data =
        MemorySegment.ofAddress(et_kernel_value.data(v).address()).reinterpret(nbytes, arena, null);
    return Tensor.wrap(
        readOnly ? data.asReadOnly() : data, DType.fromCode(et_kernel_value.dtype(v)), shape);
  }
}
