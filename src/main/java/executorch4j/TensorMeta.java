package executorch4j;

import java.util.Arrays;

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
 */
public record TensorMeta(
    String name, boolean isTensor, DType dtype, long[] shape, int[] dimOrder, long nbytes,
    boolean memoryPlanned) {

  public TensorMeta {
    shape = shape.clone();
    dimOrder = dimOrder.clone();
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
    return isTensor ? dtype + Tensor.shapeText(shape) : "non-tensor";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorMeta m && name.equals(m.name) && isTensor == m.isTensor
        && dtype == m.dtype && Arrays.equals(shape, m.shape) && Arrays.equals(dimOrder, m.dimOrder)
        && nbytes == m.nbytes && memoryPlanned == m.memoryPlanned;
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
