package executorch4j;

/**
 * Test-only access to an isolated model's worker process id, package-private in core (no public API
 * hands out the pid). Spark's tests run on the class path, where this class shares core's package.
 */
public final class WorkerPids {
  private WorkerPids() {}

  /** The worker's pid, 0 for a model that runs in process or whose worker is gone. */
  public static int of(ExecuTorchModel model) {
    return model.workerPid();
  }
}
