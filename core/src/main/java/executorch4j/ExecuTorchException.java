package executorch4j;

/**
 * A failure reported by the ExecuTorch runtime or by executorch4j, with the {@link ErrorCode} that
 * says why. Messages read {@code [ExecuTorch 0x14 OPERATOR_MISSING] ...}.
 */
public class ExecuTorchException extends RuntimeException {
  private final ErrorCode errorCode;

  public ExecuTorchException(ErrorCode errorCode, String message) {
    super(format(errorCode, message));
    this.errorCode = errorCode;
  }

  public ExecuTorchException(ErrorCode errorCode, String message, Throwable cause) {
    super(format(errorCode, message), cause);
    this.errorCode = errorCode;
  }

  /** Why the call failed. */
  public ErrorCode errorCode() {
    return errorCode;
  }

  private static String format(ErrorCode code, String message) {
    return String.format("[ExecuTorch 0x%02x %s] %s", code.code(), code.name(), message);
  }
}
