package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.Registry;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_kernel_fn;
import executorch4j.internal.ffi.et_kernel_value;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Java kernels registered with the runtime. The facade gives every kernel its own trampoline
 * (ExecuTorch's kernel functions carry no user data) and each trampoline calls the one upcall stub
 * here with the kernel's id as {@code userdata}. The stub never lets anything escape into native
 * code (that would terminate the JVM): a failure is kept for the execute that called the kernel and
 * reported by it, with the exception as the cause. ExecuTorch cannot unregister a kernel, so
 * registrations last for the life of the process.
 */
final class KernelRegistry {
  private static final Registry<Registration> KERNELS = new Registry<>();
  private static final MemorySegment DISPATCH =
      et_kernel_fn.allocate(KernelRegistry::dispatch, Arena.global());
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)?");

  private record Registration(String operator, OperatorKernel kernel) {}

  private KernelRegistry() {}

  static void register(String operator, OperatorKernel kernel) {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(kernel, "kernel");
    if (!NAME.matcher(operator).matches()) {
      throw new IllegalArgumentException(
          "operator name '"
              + operator
              + "' is not of the form namespace::op.overload (e.g. my_ops::mul3.out)");
    }
    Native.init();
    MemorySegment id = KERNELS.add(new Registration(operator, kernel));
    try (Arena tmp = Arena.ofConfined()) {
      int status = Et4j.et_kernel_register(tmp.allocateFrom(operator), DISPATCH, id);
      if (status != 0) {
        KERNELS.remove(id);
        throw Native.error(status, null);
      }
    }
  }

  /** Upcall body: runs the kernel; any Throwable becomes status 1 and is kept for the execute. */
  private static int dispatch(
      MemorySegment userdata, MemorySegment call, MemorySegment values, long count) {
    try {
      Registration r = KERNELS.get(userdata);
      if (r == null) {
        throw new IllegalStateException("no Java kernel registered under id " + userdata.address());
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment all = values.reinterpret(count * et_kernel_value.sizeof());
        r.kernel().run(new KernelCall(r.operator(), call, all, Math.toIntExact(count), arena));
      }
      return 0;
    } catch (Throwable t) {
      try {
        Native.kernelFailed(t);
      } catch (Throwable ignored) {
        // Nothing may escape; the facade still reports the failure, without its cause.
      }
      return 1;
    }
  }
}
