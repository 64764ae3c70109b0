package executorch4j.spark;

import java.util.Locale;

/**
 * What happens to a row that cannot be scored: a null, a nested null, an array of the wrong length,
 * a value the input's dtype cannot hold, or a forward call the runtime refuses for that row.
 * Problems with the model itself (it does not load, an unknown method, a column of a type that can
 * never be scored) always fail, before any row is read.
 *
 * <p>A call that fails because the model's worker process is gone ({@code Isolation.PROCESS}: it
 * crashed, or was killed at a timeout) is first retried once on the program loaded again ({@link
 * ExecutorModels#evictionCount()}); only a second failure is the row's, for the policy.
 */
public enum ErrorPolicy {
  /**
   * Fail the task (and so the job) with an {@code ExecuTorchException} whose message names the
   * row's position: its partition and its index in that partition.
   */
  FAIL("fail"),
  /** Write null into every output column of that row and go on. */
  NULL("null");

  private final String param;

  ErrorPolicy(String param) {
    this.param = param;
  }

  /** The value of the {@code errorPolicy} Param: {@code fail} or {@code null}. */
  public String param() {
    return param;
  }

  /** The policy named {@code name} ({@code fail} or {@code null}, any case). */
  public static ErrorPolicy of(String name) {
    for (ErrorPolicy p : values()) {
      if (p.param.equals(name.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("errorPolicy must be 'fail' or 'null', got '" + name + "'");
  }
}
