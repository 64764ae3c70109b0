package executorch4j;

/**
 * Where a model's program runs ({@link LoadOptions#withIsolation}).
 *
 * <ul>
 *   <li>{@link #NONE}: in this process (the default, fastest).
 *   <li>{@link #PROCESS}: in a worker process of its own, the {@code et4j-worker} executable
 *       shipped beside the native library (Linux). The same API gives the same outputs and errors,
 *       but a crash or hang inside ExecuTorch's kernels or a delegate kills only the worker: the
 *       call fails with {@link ErrorCode#WORKER_CRASHED} (naming the signal) or {@link
 *       ErrorCode#TIMEOUT}, and this JVM and its other models keep running. Inputs and outputs go
 *       through memory shared with the worker: each input is copied into it before the call (an
 *       input whose arena is closed fails with {@link ErrorCode#CLOSED}), each output copied out of
 *       it at the reply into memory the worker cannot change (output views read that copy, valid
 *       until the next call, as in process). Once the program is loaded the worker is sandboxed:
 *       no_new_privs and a seccomp-bpf filter that refuses open, execve, socket, connect, ptrace
 *       and every other system call execution does not need; it inherits no file descriptor and no
 *       environment. Memory policy AUTO only; no profiling.
 * </ul>
 */
public enum Isolation {
  NONE,
  PROCESS
}
