package executorch4j;

import java.util.List;

/**
 * The cap on what a program's methods declare ({@link LoadOptions#declaredBytesLimit()}), checked
 * from its metadata alone: a file of a few KiB can declare an input or planned buffers of
 * terabytes, which loading (or sizing the worker's shared memory) would then try to allocate.
 */
final class DeclaredLimits {
  private DeclaredLimits() {}

  /**
   * Throws {@link ErrorCode#OUT_OF_RESOURCES} when a method of {@code methods} declares more input
   * bytes, or more planned-buffer bytes, than {@code limit} (0 = no cap).
   */
  static void check(List<MethodMeta> methods, long limit) {
    if (limit == 0) {
      return;
    }
    for (MethodMeta m : methods) {
      long inputs = 0;
      for (TensorMeta t : m.inputs()) {
        if (t.isTensor()) {
          inputs = saturatingAdd(inputs, bytes(t));
        }
      }
      if (inputs > limit) {
        throw exceeded(m.name(), "inputs " + m.inputs(), inputs, limit);
      }
      long planned = 0;
      for (long size : m.plannedBufferSizes()) {
        planned = saturatingAdd(planned, Math.max(0, size));
      }
      if (planned > limit) {
        throw exceeded(m.name(), "planned buffers " + m.plannedBufferSizes(), planned, limit);
      }
    }
  }

  /**
   * Bytes at the declared shape, computed here rather than taken from the runtime, whose size_t
   * product can wrap for a crafted shape; {@code Long.MAX_VALUE} when it does not fit.
   */
  private static long bytes(TensorMeta t) {
    long n = t.dtype().byteSize();
    for (long d : t.shape()) {
      if (d != 0 && n > Long.MAX_VALUE / d) {
        return Long.MAX_VALUE;
      }
      n *= d;
    }
    return n;
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static ExecuTorchException exceeded(String method, String what, long bytes, long limit) {
    return new ExecuTorchException(
        ErrorCode.OUT_OF_RESOURCES,
        "method '"
            + method
            + "' declares "
            + (bytes == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : Long.toString(bytes))
            + " bytes of "
            + what
            + ", above the cap of "
            + limit
            + " bytes: nothing was allocated. Raise it with"
            + " LoadOptions.withDeclaredBytesLimit (0 = no cap) for a model you trust");
  }
}
