package executorch4j.internal;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The one place facade status codes become exceptions. */
public final class Native {
  static {
    NativeLoader.load();
    int status = Et4j.et_runtime_init();
    if (status != 0) {
      throw error(status, "runtime init");
    }
  }

  private Native() {}

  /** Loads the natives and initializes the runtime (idempotent). */
  public static void init() {}

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
    return new ExecuTorchException(ErrorCode.fromStatus(status), context == null ? text : context + ": " + text);
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
