package executorch4j;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to load a program. Immutable; start from {@link #defaults()} and use the {@code with...}
 * methods, each of which checks its own argument (there is no public constructor that could bypass
 * them).
 *
 * <p><b>Limits.</b> A model file is untrusted input, so the defaults bound what it can make this
 * process (or its worker) spend:
 *
 * <table>
 *   <caption>Default limits</caption>
 *   <tr><th>option</th><th>default</th><th>0 / ZERO means</th></tr>
 *   <tr><td>{@link #withDeclaredBytesLimit} (every load)</td>
 *       <td>{@link #DEFAULT_DECLARED_BYTES_LIMIT} (4 GiB)</td><td>no cap</td></tr>
 *   <tr><td>{@link #withCallTimeout} (isolated)</td>
 *       <td>{@link #DEFAULT_CALL_TIMEOUT} (60 s per load or call)</td><td>no deadline</td></tr>
 *   <tr><td>{@link #withWorkerLimits} memory (isolated, RLIMIT_AS)</td>
 *       <td>{@link #DEFAULT_WORKER_MEMORY_LIMIT} (16 GiB)</td><td>no limit</td></tr>
 *   <tr><td>{@link #withWorkerLimits} CPU (isolated, RLIMIT_CPU)</td><td>0</td><td>no limit</td></tr>
 * </table>
 */
public final class LoadOptions {
  /**
   * The deadline of each load and call of an isolated model unless {@link #withCallTimeout} says
   * otherwise: 60 s, far above any call of a model that runs interactively, short enough that a
   * hung worker does not hold its caller for long. A load of a very large model may need more.
   */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The address-space limit (RLIMIT_AS) of an isolated model's worker unless {@link
   * #withWorkerLimits} says otherwise: 16 GiB. RLIMIT_AS counts reservations, not just memory in
   * use: the program copy, the methods' planned buffers, XNNPACK's packed weights, and per thread
   * of ExecuTorch's pool (one per core) an 8 MiB stack and up to a 64 MiB malloc arena. That leaves
   * room for a multi-GiB model on machines of up to ~100 cores; raise it for more.
   */
  public static final long DEFAULT_WORKER_MEMORY_LIMIT = 16L << 30;

  /**
   * The cap on what a method may declare, unless {@link #withDeclaredBytesLimit} says otherwise: 4
   * GiB of inputs and 4 GiB of planned buffers.
   */
  public static final long DEFAULT_DECLARED_BYTES_LIMIT = 4L << 30;

  private final LoadMode loadMode;
  private final boolean verify;
  private final MemoryPolicy memoryPolicy;
  private final long poolBytes;
  private final NativeAllocator allocator;
  private final OptimizationLevel optimization;
  private final boolean profiling;
  private final int threads;
  private final boolean finiteCheck;
  private final Isolated iso;
  private final long declaredBytesLimit;

  /**
   * The isolation settings: where the program runs, and the worker's deadline, limits and sandbox.
   */
  private record Isolated(
      Isolation isolation,
      Duration callTimeout,
      long memoryLimitBytes,
      long cpuLimitSeconds,
      boolean sandbox) {
    static final Isolated DEFAULTS =
        new Isolated(Isolation.NONE, DEFAULT_CALL_TIMEOUT, DEFAULT_WORKER_MEMORY_LIMIT, 0, true);
  }

  /**
   * The fields of a LoadOptions being made: a {@code with...} copies them, changes one, freezes.
   */
  private static final class Draft {
    LoadMode loadMode;
    boolean verify;
    MemoryPolicy memoryPolicy;
    long poolBytes;
    NativeAllocator allocator;
    OptimizationLevel optimization;
    boolean profiling;
    int threads;
    boolean finiteCheck;
    Isolated iso;
    long declaredBytesLimit;

    Draft(LoadOptions base) {
      loadMode = base.loadMode;
      verify = base.verify;
      memoryPolicy = base.memoryPolicy;
      poolBytes = base.poolBytes;
      allocator = base.allocator;
      optimization = base.optimization;
      profiling = base.profiling;
      threads = base.threads;
      finiteCheck = base.finiteCheck;
      iso = base.iso;
      declaredBytesLimit = base.declaredBytesLimit;
    }
  }

  private LoadOptions(Draft d) {
    this.loadMode = d.loadMode;
    this.verify = d.verify;
    this.memoryPolicy = d.memoryPolicy;
    this.poolBytes = d.poolBytes;
    this.allocator = d.allocator;
    this.optimization = d.optimization;
    this.profiling = d.profiling;
    this.threads = d.threads;
    this.finiteCheck = d.finiteCheck;
    this.iso = d.iso;
    this.declaredBytesLimit = d.declaredBytesLimit;
  }

  /** This with {@code edit} applied to a copy of its fields. */
  private LoadOptions with(java.util.function.Consumer<Draft> edit) {
    Draft d = new Draft(this);
    edit.accept(d);
    return new LoadOptions(d);
  }

  /** The defaults' fields, set directly (there is no base to copy). */
  private LoadOptions() {
    this.loadMode = null;
    this.verify = true;
    this.memoryPolicy = MemoryPolicy.AUTO;
    this.poolBytes = 0;
    this.allocator = null;
    this.optimization = OptimizationLevel.BASIC;
    this.profiling = false;
    this.threads = 0;
    this.finiteCheck = false;
    this.iso = Isolated.DEFAULTS;
    this.declaredBytesLimit = DEFAULT_DECLARED_BYTES_LIMIT;
  }

  /**
   * AUTO memory, BASIC optimization (mmap), full verification, no profiling, no finite check, the
   * default limits (see the class doc).
   */
  public static LoadOptions defaults() {
    return new LoadOptions();
  }

  /**
   * How a file is read; empty = as the optimization level says (see {@link #effectiveLoadMode()}).
   */
  public java.util.Optional<LoadMode> loadMode() {
    return java.util.Optional.ofNullable(loadMode);
  }

  /**
   * Whether ExecuTorch's full internal-consistency verification runs before the program is used
   * (default true, since a model file is untrusted input).
   */
  public boolean verify() {
    return verify;
  }

  /** Where runtime memory comes from. */
  public MemoryPolicy memoryPolicy() {
    return memoryPolicy;
  }

  /** The STATIC pool size (0 for the other policies). */
  public long poolBytes() {
    return poolBytes;
  }

  /** The CUSTOM allocator; empty for the other policies. */
  public java.util.Optional<NativeAllocator> allocator() {
    return java.util.Optional.ofNullable(allocator);
  }

  /** The runtime preset, see {@link OptimizationLevel}. */
  public OptimizationLevel optimization() {
    return optimization;
  }

  /** Whether the per-operator profiler is attached from the start. */
  public boolean profiling() {
    return profiling;
  }

  /**
   * Threads for XNNPACK and the optimized kernels: 0 = as the optimization level says, 1 = the
   * calling thread only, N = resize ExecuTorch's process-wide pool to N.
   */
  public int threads() {
    return threads;
  }

  /** Whether floating-point inputs holding NaN or infinity are rejected (default true). */
  public boolean finiteCheck() {
    return finiteCheck;
  }

  /** The load mode in effect: the explicit one, else the optimization level's. */
  public LoadMode effectiveLoadMode() {
    return loadMode != null ? loadMode : optimization.loadMode();
  }

  /** The thread count in effect: the explicit one, else the optimization level's. */
  public int effectiveThreads() {
    return threads > 0 ? threads : optimization.threads();
  }

  public LoadOptions withThreads(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + n);
    }
    return with(d -> d.threads = n);
  }

  /**
   * Refuse floating-point inputs holding NaN or infinity ({@code INPUT_MISMATCH} naming the input
   * and element). Off by default: infinity is a legitimate input (additive attention masks use
   * -inf), and the scan reads every input element on every call, which C++ and Python callers of
   * the same runtime do not pay.
   */
  public LoadOptions withFiniteCheck(boolean on) {
    return with(d -> d.finiteCheck = on);
  }

  public LoadOptions withLoadMode(LoadMode mode) {
    return with(d -> d.loadMode = mode);
  }

  public LoadOptions withVerify(boolean v) {
    return with(d -> d.verify = v);
  }

  /**
   * AUTO, or STATIC with a pool of {@code poolBytes} (the spec's {@code configure_memory}). CUSTOM
   * needs an allocator: use {@link #withAllocator}.
   */
  public LoadOptions withMemory(MemoryPolicy policy, long poolBytes) {
    Objects.requireNonNull(policy, "policy");
    if (policy == MemoryPolicy.CUSTOM) {
      throw new IllegalArgumentException(
          "CUSTOM memory needs a NativeAllocator: use withAllocator");
    }
    if (policy == MemoryPolicy.STATIC && poolBytes <= 0) {
      throw new IllegalArgumentException("a STATIC pool needs a size > 0, got " + poolBytes);
    }
    return with(
        d -> {
          d.memoryPolicy = policy;
          d.poolBytes = policy == MemoryPolicy.STATIC ? poolBytes : 0;
          d.allocator = null;
        });
  }

  /** CUSTOM memory through {@code allocator}. */
  public LoadOptions withAllocator(NativeAllocator allocator) {
    return with(
        d -> {
          d.memoryPolicy = MemoryPolicy.CUSTOM;
          d.poolBytes = 0;
          d.allocator = Objects.requireNonNull(allocator);
        });
  }

  public LoadOptions withOptimization(OptimizationLevel level) {
    return with(d -> d.optimization = Objects.requireNonNull(level, "level"));
  }

  public LoadOptions withProfiling(boolean on) {
    return with(d -> d.profiling = on);
  }

  /** Where the program runs (default {@link Isolation#NONE}: in this process). */
  public Isolation isolation() {
    return iso.isolation();
  }

  /**
   * The deadline of each load and call of an isolated model ({@link #DEFAULT_CALL_TIMEOUT} unless
   * set); empty = none.
   */
  public Optional<Duration> callTimeout() {
    return Optional.ofNullable(iso.callTimeout());
  }

  /**
   * The most bytes one method may declare for its inputs (together), and for its planned buffers
   * (together), checked from the program's metadata before any of it is allocated ({@link
   * #DEFAULT_DECLARED_BYTES_LIMIT} unless set); 0 = no cap.
   */
  public long declaredBytesLimit() {
    return declaredBytesLimit;
  }

  /**
   * Refuses a program one of whose methods declares more than {@code bytes} of inputs, or of
   * planned buffers (activations, outputs), with {@link ErrorCode#OUT_OF_RESOURCES} at load, before
   * anything is allocated: a file of a few KiB can declare terabytes. 0 = no cap (a trusted model
   * that needs more than the default).
   */
  public LoadOptions withDeclaredBytesLimit(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("the declared bytes limit must be >= 0, got " + bytes);
    }
    return with(d -> d.declaredBytesLimit = bytes);
  }

  /**
   * RLIMIT_AS of an isolated model's worker in bytes ({@link #DEFAULT_WORKER_MEMORY_LIMIT} unless
   * set); 0 = none.
   */
  public long memoryLimitBytes() {
    return iso.memoryLimitBytes();
  }

  /** RLIMIT_CPU of an isolated model's worker in seconds; 0 = none. */
  public long cpuLimitSeconds() {
    return iso.cpuLimitSeconds();
  }

  /** Whether an isolated model's worker is sandboxed once loaded (default true; Linux seccomp). */
  public boolean sandbox() {
    return iso.sandbox();
  }

  /**
   * Runs the program in this process ({@link Isolation#NONE}) or in a worker process of its own
   * ({@link Isolation#PROCESS}, Linux: see {@link Isolation}).
   */
  public LoadOptions withIsolation(Isolation isolation) {
    Objects.requireNonNull(isolation, "isolation");
    return with(
        new Isolated(
            isolation,
            iso.callTimeout(),
            iso.memoryLimitBytes(),
            iso.cpuLimitSeconds(),
            iso.sandbox()));
  }

  /**
   * A deadline for each load and call of an isolated model: a worker that takes longer is killed
   * and the call fails with {@link ErrorCode#TIMEOUT}. Applies with {@link Isolation#PROCESS}.
   * {@link Duration#ZERO} = no deadline; default {@link #DEFAULT_CALL_TIMEOUT}.
   */
  public LoadOptions withCallTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "the call timeout must be positive, or Duration.ZERO for none, got " + timeout);
    }
    return with(
        new Isolated(
            iso.isolation(),
            timeout.isZero() ? null : timeout,
            iso.memoryLimitBytes(),
            iso.cpuLimitSeconds(),
            iso.sandbox()));
  }

  /**
   * Resource limits of an isolated model's worker: address space in bytes (RLIMIT_AS; a model
   * needing more fails to allocate) and CPU seconds over the worker's life (RLIMIT_CPU; past it the
   * worker is killed, {@link ErrorCode#WORKER_CRASHED} naming SIGXCPU). 0 = no limit; defaults
   * {@link #DEFAULT_WORKER_MEMORY_LIMIT} and 0. A worker built with AddressSanitizer reserves
   * terabytes of shadow memory, so sanitized test runs pass 0 for the memory.
   */
  public LoadOptions withWorkerLimits(long memoryBytes, long cpuSeconds) {
    if (memoryBytes < 0 || cpuSeconds < 0) {
      throw new IllegalArgumentException(
          "limits must be >= 0, got " + memoryBytes + " bytes, " + cpuSeconds + " s");
    }
    return with(
        new Isolated(iso.isolation(), iso.callTimeout(), memoryBytes, cpuSeconds, iso.sandbox()));
  }

  /**
   * Whether an isolated model's worker is sandboxed (seccomp, no_new_privs) once loaded; default
   * true.
   */
  public LoadOptions withSandbox(boolean on) {
    return with(
        new Isolated(
            iso.isolation(), iso.callTimeout(), iso.memoryLimitBytes(), iso.cpuLimitSeconds(), on));
  }

  private LoadOptions with(Isolated isolated) {
    return with(d -> d.iso = isolated);
  }

  @Override
  public String toString() {
    return "LoadOptions[loadMode="
        + effectiveLoadMode()
        + ", verify="
        + verify
        + ", memory="
        + memoryPolicy
        + (memoryPolicy == MemoryPolicy.STATIC ? " " + poolBytes + " bytes" : "")
        + ", optimization="
        + optimization
        + ", threads="
        + effectiveThreads()
        + ", profiling="
        + profiling
        + ", finiteCheck="
        + finiteCheck
        + ", declaredBytesLimit="
        + declaredBytesLimit
        + (iso.isolation() == Isolation.NONE
            ? ""
            : ", isolation="
                + iso.isolation()
                + ", callTimeout="
                + iso.callTimeout()
                + ", memoryLimitBytes="
                + iso.memoryLimitBytes()
                + ", sandbox="
                + iso.sandbox())
        + "]";
  }
}
