package executorch4j;

import java.util.Arrays;
import java.util.List;

/**
 * What a method declares for one input or output.
 *
 * @param name positional key used by the Map interface: {@code input_N} / {@code output_N}
 *     (ExecuTorch programs carry no names for method inputs and outputs)
 * @param isTensor false for scalar or list values, which this library does not pass
 * @param dtype element type ({@code null} when not a tensor)
 * @param shape declared shape; for a dynamic dimension this is its upper bound
 * @param dimOrder memory order of the dimensions ({@code 0..rank-1} for contiguous)
 * @param nbytes bytes at the declared shape
 * @param memoryPlanned true when the runtime owns the buffer (inputs are copied into it)
 * @param dynamicDims dimensions the runtime lets shrink below {@code shape} (probed at load).
 *     ExecuTorch records dynamism per tensor (bounded-dynamic), so for an input exported with any
 *     {@code torch.export.Dim} every dimension is listed; kernels still reject shapes that do not
 *     fit the model. Empty for outputs and static inputs.
 */
public record TensorMeta(
    String name,
    boolean isTensor,
    DType dtype,
    long[] shape,
    int[] dimOrder,
    long nbytes,
    boolean memoryPlanned,
    List<Integer> dynamicDims) {

  public TensorMeta {
    shape = shape.clone();
    dimOrder = dimOrder.clone();
    dynamicDims = List.copyOf(dynamicDims);
  }

  /** True if any dimension is dynamic. */
  public boolean isDynamic() {
    return !dynamicDims.isEmpty();
  }

  TensorMeta withDynamicDims(List<Integer> dims) {
    return new TensorMeta(name, isTensor, dtype, shape, dimOrder, nbytes, memoryPlanned, dims);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public int[] dimOrder() {
    return dimOrder.clone();
  }

  /** Number of elements at the declared shape. */
  public long numel() {
    return Tensor.numel(shape);
  }

  /** Rank of the declared shape. */
  public int rank() {
    return shape.length;
  }

  /** E.g. {@code float32[1,1]}. */
  public String signature() {
    if (!isTensor) {
      return "non-tensor";
    }
    StringBuilder sb = new StringBuilder(dtype.label()).append('[');
    for (int d = 0; d < shape.length; d++) {
      sb.append(d > 0 ? "," : "").append(dynamicDims.contains(d) ? "<=" : "").append(shape[d]);
    }
    return sb.append(']').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorMeta m
        && name.equals(m.name)
        && isTensor == m.isTensor
        && dtype == m.dtype
        && Arrays.equals(shape, m.shape)
        && Arrays.equals(dimOrder, m.dimOrder)
        && nbytes == m.nbytes
        && memoryPlanned == m.memoryPlanned
        && dynamicDims.equals(m.dynamicDims);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ": " + signature();
  }
}
