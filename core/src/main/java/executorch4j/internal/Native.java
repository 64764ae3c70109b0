package executorch4j.internal;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The one place facade status codes become exceptions. */
public final class Native {
  /** Why the natives could not be loaded, or null: kept so every call gets the typed exception. */
  private static final ExecuTorchException LOAD_FAILURE;

  /** The runtime's own pool size, read before any load could resize it; 0 without natives. */
  private static final int DEFAULT_POOL_THREADS;

  static {
    ExecuTorchException failure = null;
    int poolThreads = 0;
    try {
      NativeLoader.load();
      int status = Et4j.et_runtime_init();
      if (status != 0) {
        failure = error(status, "runtime init");
      } else {
        poolThreads = poolThreads();
      }
    } catch (ExecuTorchException e) {
      failure = e;
    }
    LOAD_FAILURE = failure;
    DEFAULT_POOL_THREADS = poolThreads;
  }

  /** The process-wide pool's current size, as the runtime reports it; 0 if it cannot say. */
  public static int poolThreads() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
      return Et4j.et_runtime_thread_count(out) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
    }
  }

  /**
   * The thread pool size ExecuTorch picks by itself (its count of performance cores), or 0 when the
   * natives could not be loaded. It counts the machine's cores, not the CPUs this process may use
   * (affinity, container quota): callers cap it.
   */
  public static int defaultPoolThreads() {
    return DEFAULT_POOL_THREADS;
  }

  /**
   * The exception a Java kernel threw on this thread, kept until the execute it failed reports
   * {@code ET_ERR_KERNEL_FAILED}: a kernel runs on the thread that called the facade, so the report
   * finds it here and makes it the cause.
   */
  private static final ThreadLocal<Throwable> KERNEL_FAILURE = new ThreadLocal<>();

  private Native() {}

  /** Keeps the failure of a kernel running on this thread for the execute that called it. */
  public static void kernelFailed(Throwable t) {
    KERNEL_FAILURE.set(t);
  }

  /**
   * Loads the natives and initializes the runtime (idempotent). Every public entry point calls it
   * first: on a platform without natives each call throws the same typed exception, never an
   * ExceptionInInitializerError or a NoClassDefFoundError.
   */
  public static void init() {
    if (LOAD_FAILURE != null) {
      String text = LOAD_FAILURE.getMessage();
      throw new ExecuTorchException(
          LOAD_FAILURE.errorCode(), text.substring(text.indexOf("] ") + 2), LOAD_FAILURE);
    }
  }

  /** Throws the ExecuTorchException for a failed status; returns for 0. */
  public static void check(int status) {
    if (status != 0) {
      throw error(status, null);
    }
  }

  /** The exception for {@code status}, with the facade's last-error text. */
  public static ExecuTorchException error(int status, String context) {
    String text = lastError();
    if (text.isEmpty()) {
      text = "status 0x" + Integer.toHexString(status);
    }
    String message = context == null ? text : context + ": " + text;
    if (status == Et4j.ET_ERR_KERNEL_FAILED()) {
      Throwable cause = KERNEL_FAILURE.get();
      KERNEL_FAILURE.remove();
      if (cause != null) {
        return new ExecuTorchException(ErrorCode.KERNEL_FAILED, message + ": " + cause, cause);
      }
    }
    return new ExecuTorchException(ErrorCode.fromStatus(status), message);
  }

  /** The facade's thread-local last-error text. */
  public static String lastError() {
    return cString(Et4j.et_last_error());
  }

  /** Reads a NUL-terminated string the facade returned. */
  public static String cString(MemorySegment p) {
    return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Integer.MAX_VALUE).getString(0);
  }

  /** Version text of the facade and runtime. */
  public static String version() {
    return cString(Et4j.et_version());
  }

  /** Whether a delegate backend id (e.g. "XnnpackBackend") is linked into this runtime. */
  public static boolean backendAvailable(String id) {
    try (Arena a = Arena.ofConfined()) {
      return Et4j.et_backend_available(a.allocateFrom(id)) != 0;
    }
  }
}
