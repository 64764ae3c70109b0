package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;

/** Facts about the ExecuTorch runtime this process loaded, shared by every model. */
public final class ExecuTorchRuntime {
  private ExecuTorchRuntime() {}

  /** Version text of the facade and the ExecuTorch runtime it links, e.g. {@code "executorch4j-facade 0.1.0 (ExecuTorch 1.5.1)"};
   * a facade built with AddressSanitizer adds {@code " +asan"}. */
  public static String version() {
    Native.init();
    return Native.version();
  }

  /** The facade library this process loaded: a path, so a build or a bug report can name it. */
  public static String nativeLibrary() {
    Native.init();
    return executorch4j.internal.NativeLoader.loadedFrom();
  }

  /** Whether a delegate backend (e.g. {@code "XnnpackBackend"}) is linked into this runtime. */
  public static boolean hasBackend(String id) {
    Native.init();
    return Native.backendAvailable(java.util.Objects.requireNonNull(id, "id"));
  }

  /**
   * Native heap bytes the facade holds right now for all models of this process (allocator
   * blocks, copied programs; not STATIC pools, which are Java arena memory): 0 once every model
   * is closed.
   */
  public static long nativeBytesInUse() {
    Native.init();
    return Et4j.et_runtime_live_bytes();
  }
}
