package executorch4j;

/**
 * Why an ExecuTorch call failed. Codes below 0x100 mirror ExecuTorch's {@code runtime/core/error.h}
 * (keep in sync); 0x100 and above are executorch4j's own.
 */
public enum ErrorCode {
  INTERNAL(0x01),
  INVALID_STATE(0x02),
  END_OF_METHOD(0x03),
  ALREADY_LOADED(0x04),
  NOT_SUPPORTED(0x10),
  NOT_IMPLEMENTED(0x11),
  INVALID_ARGUMENT(0x12),
  INVALID_TYPE(0x13),
  OPERATOR_MISSING(0x14),
  REGISTRATION_EXCEEDING_MAX_KERNELS(0x15),
  REGISTRATION_ALREADY_REGISTERED(0x16),
  NOT_FOUND(0x20),
  MEMORY_ALLOCATION_FAILED(0x21),
  ACCESS_FAILED(0x22),
  INVALID_PROGRAM(0x23),
  INVALID_EXTERNAL_DATA(0x24),
  OUT_OF_RESOURCES(0x25),
  DELEGATE_INVALID_COMPATIBILITY(0x30),
  DELEGATE_MEMORY_ALLOCATION_FAILED(0x31),
  DELEGATE_INVALID_HANDLE(0x32),

  /** The file does not exist or is not a regular file. */
  FILE_NOT_FOUND(0x101),
  /** An input's count, dtype or shape does not match what the method declares. */
  INPUT_MISMATCH(0x102),
  /** The program is delegated to a backend this runtime does not include. */
  BACKEND_UNAVAILABLE(0x104),
  /** A callback supplied by the caller (reader, allocator) failed. */
  CALLBACK_FAILED(0x105),
  /** An input or output is not a tensor (scalars and lists are not supported). */
  UNSUPPORTED_VALUE(0x106),
  /**
   * A conversion a dtype cannot represent, e.g. {@code toIntArray()} of uint32, {@code
   * toFloatArray()} of raw float8 or quantized storage; the message names the dtype (see {@link
   * DType}). Also a ScalarType code outside ExecuTorch 1.5.1's 0..29.
   */
  UNSUPPORTED_DTYPE(0x107),
  /**
   * The model was closed, or an input's memory was freed (the arena behind its segment is closed);
   * the message names the input. A freed input is refused before anything reads it.
   */
  CLOSED(0x108),
  /**
   * The program crashed or hung ExecuTorch's runtime when {@link IsolatedCheck} loaded and ran it
   * in a separate process; it must not be loaded in this one (see KNOWN_ISSUES.md).
   */
  UNSAFE_PROGRAM(0x109),
  /** Reading the model (file, stream, channel) failed; the cause is the {@code IOException}. */
  IO_ERROR(0x10A),
  /** The calling thread was interrupted while waiting (its interrupt flag is set again). */
  INTERRUPTED(0x10B),
  /**
   * A kernel registered with {@link ExecuTorchRuntime#registerKernel} failed: it threw (the
   * exception is the cause), or gave an output the runtime's out tensor cannot take. The message
   * names the operator.
   */
  KERNEL_FAILED(0x10C),
  /** A native operator library could not be loaded (the message has the loader's reason). */
  LIBRARY_LOAD_FAILED(0x10D),
  /**
   * The worker process of an isolated model ({@link Isolation#PROCESS}) died: a crash inside
   * ExecuTorch's kernels or a delegate, or a resource limit. The message names the signal (e.g.
   * {@code signal 11 (SIGSEGV)}). This JVM and other models are unaffected; the model stays
   * unusable (every call fails the same way) until it is loaded again.
   */
  WORKER_CRASHED(0x10E),
  /**
   * The worker process of an isolated model did not answer within the call deadline ({@link
   * LoadOptions#withCallTimeout}) and was killed. As with {@link #WORKER_CRASHED}, load the model
   * again to use it.
   */
  TIMEOUT(0x10F),
  /** An unexpected failure inside the native facade. */
  FACADE_INTERNAL(0x1FF);

  /**
   * The facade's own status for a missing kernel (0x103), reported as {@link #OPERATOR_MISSING}.
   */
  private static final int FACADE_OPERATOR_MISSING = 0x103;

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  /** The numeric status code. */
  public int code() {
    return code;
  }

  /** The ErrorCode for a facade status, {@link #INTERNAL} for an unknown one. */
  public static ErrorCode fromStatus(int status) {
    if (status == FACADE_OPERATOR_MISSING) {
      return OPERATOR_MISSING;
    }
    for (ErrorCode c : values()) {
      if (c.code == status) {
        return c;
      }
    }
    return INTERNAL;
  }
}
