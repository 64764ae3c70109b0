package executorch4j;

import java.util.List;

/**
 * Java values given to the Map interface (arrays, lists, numbers) as tensors of a method's declared
 * inputs.
 */
final class InputConversion {
  private InputConversion() {}

  static Tensor toTensor(TensorMeta t, Object v) {
    if (v instanceof Tensor tensor) {
      return tensor;
    }
    if (!t.isTensor()) {
      throw new ExecuTorchException(
          ErrorCode.UNSUPPORTED_VALUE, t.name() + " is not a tensor input");
    }
    Object values = v instanceof Number || v instanceof Boolean ? List.of(v) : v;
    int n;
    try {
      n = Tensor.length(values);
    } catch (IllegalArgumentException e) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": " + e.getMessage());
    }
    if (n != t.numel()) {
      throw new ExecuTorchException(
          ErrorCode.INPUT_MISMATCH,
          t.name()
              + ": expected "
              + t.signature()
              + " ("
              + t.numel()
              + " values), got "
              + n
              + " values; pass a Tensor to use a smaller dynamic shape");
    }
    try {
      return Tensor.fromArray(values, t.dtype(), t.shape());
    } catch (IllegalArgumentException e) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": " + e.getMessage());
    }
  }
}
