package executorch4j;

/**
 * A kernel for a custom operator, written in Java: registered once per process with {@link
 * ExecuTorchRuntime#registerKernel}, called by the runtime for every call of the operator in every
 * model.
 *
 * <p><b>What a kernel may assume.</b>
 *
 * <ul>
 *   <li>It runs on the thread that executes the method: the caller of {@code forward}/{@code
 *       execute}, or the model's own thread for {@code forwardAsync}. Never on a runtime worker.
 *   <li>Calls for one model never overlap (a model serializes its calls); calls for two models may
 *       run at the same time on two threads, so a kernel with state must be thread-safe.
 *   <li>The {@link KernelCall} and every tensor it hands out are valid only until {@code run}
 *       returns, and only on that thread; {@link Tensor#copy()} keeps data beyond that.
 *   <li>Throwing fails the running execute with {@link ErrorCode#KERNEL_FAILED} (the exception is
 *       the cause); the model and the runtime stay usable, the next call runs normally.
 * </ul>
 */
@FunctionalInterface
public interface OperatorKernel {
  /** Reads the call's arguments and fills its outputs. */
  void run(KernelCall call) throws Exception;
}
