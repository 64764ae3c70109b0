package executorch4j;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to load a program. Immutable; start from {@link #defaults()} and use the {@code with...}
 * methods, each of which checks its own argument (there is no public constructor that could bypass
 * them).
 */
public final class LoadOptions {
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

  /**
   * The isolation settings: where the program runs, and the worker's deadline, limits and sandbox.
   */
  private record Isolated(
      Isolation isolation,
      Duration callTimeout,
      long memoryLimitBytes,
      long cpuLimitSeconds,
      boolean sandbox) {
    static final Isolated NONE = new Isolated(Isolation.NONE, null, 0, 0, true);
  }

  private LoadOptions(
      LoadMode loadMode,
      boolean verify,
      MemoryPolicy memoryPolicy,
      long poolBytes,
      NativeAllocator allocator,
      OptimizationLevel optimization,
      boolean profiling,
      int threads,
      boolean finiteCheck) {
    this(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        threads,
        finiteCheck,
        Isolated.NONE);
  }

  private LoadOptions(
      LoadMode loadMode,
      boolean verify,
      MemoryPolicy memoryPolicy,
      long poolBytes,
      NativeAllocator allocator,
      OptimizationLevel optimization,
      boolean profiling,
      int threads,
      boolean finiteCheck,
      Isolated iso) {
    this.loadMode = loadMode;
    this.verify = verify;
    this.memoryPolicy = memoryPolicy;
    this.poolBytes = poolBytes;
    this.allocator = allocator;
    this.optimization = optimization;
    this.profiling = profiling;
    this.threads = threads;
    this.finiteCheck = finiteCheck;
    this.iso = iso;
  }

  /** AUTO memory, BASIC optimization (mmap), full verification, no profiling, no finite check. */
  public static LoadOptions defaults() {
    return new LoadOptions(
        null, true, MemoryPolicy.AUTO, 0, null, OptimizationLevel.BASIC, false, 0, false);
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
    return new LoadOptions(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        n,
        finiteCheck,
        iso);
  }

  /**
   * Refuse floating-point inputs holding NaN or infinity ({@code INPUT_MISMATCH} naming the input
   * and element). Off by default: infinity is a legitimate input (additive attention masks use
   * -inf), and the scan reads every input element on every call, which C++ and Python callers of
   * the same runtime do not pay.
   */
  public LoadOptions withFiniteCheck(boolean on) {
    return new LoadOptions(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        threads,
        on,
        iso);
  }

  public LoadOptions withLoadMode(LoadMode mode) {
    return new LoadOptions(
        mode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        threads,
        finiteCheck,
        iso);
  }

  public LoadOptions withVerify(boolean v) {
    return new LoadOptions(
        loadMode,
        v,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        threads,
        finiteCheck,
        iso);
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
    return new LoadOptions(
        loadMode,
        verify,
        policy,
        policy == MemoryPolicy.STATIC ? poolBytes : 0,
        null,
        optimization,
        profiling,
        threads,
        finiteCheck,
        iso);
  }

  /** CUSTOM memory through {@code allocator}. */
  public LoadOptions withAllocator(NativeAllocator allocator) {
    return new LoadOptions(
        loadMode,
        verify,
        MemoryPolicy.CUSTOM,
        0,
        Objects.requireNonNull(allocator),
        optimization,
        profiling,
        threads,
        finiteCheck,
        iso);
  }

  public LoadOptions withOptimization(OptimizationLevel level) {
    return new LoadOptions(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        Objects.requireNonNull(level, "level"),
        profiling,
        threads,
        finiteCheck,
        iso);
  }

  public LoadOptions withProfiling(boolean on) {
    return new LoadOptions(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        on,
        threads,
        finiteCheck,
        iso);
  }

  /** Where the program runs (default {@link Isolation#NONE}: in this process). */
  public Isolation isolation() {
    return iso.isolation();
  }

  /** The deadline of each load and call of an isolated model; empty = none. */
  public Optional<Duration> callTimeout() {
    return Optional.ofNullable(iso.callTimeout());
  }

  /** RLIMIT_AS of an isolated model's worker in bytes; 0 = none. */
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
   * and the call fails with {@link ErrorCode#TIMEOUT}. Needs {@link Isolation#PROCESS} at load.
   */
  public LoadOptions withCallTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the call timeout must be positive, got " + timeout);
    }
    return with(
        new Isolated(
            iso.isolation(),
            timeout,
            iso.memoryLimitBytes(),
            iso.cpuLimitSeconds(),
            iso.sandbox()));
  }

  /**
   * Resource limits of an isolated model's worker: address space in bytes (RLIMIT_AS; a model
   * needing more fails to allocate) and CPU seconds over the worker's life (RLIMIT_CPU; past it the
   * worker is killed, {@link ErrorCode#WORKER_CRASHED} naming SIGXCPU). 0 = no limit.
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
    return new LoadOptions(
        loadMode,
        verify,
        memoryPolicy,
        poolBytes,
        allocator,
        optimization,
        profiling,
        threads,
        finiteCheck,
        isolated);
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
        + (iso.isolation() == Isolation.NONE
            ? ""
            : ", isolation="
                + iso.isolation()
                + ", callTimeout="
                + iso.callTimeout()
                + ", sandbox="
                + iso.sandbox())
        + "]";
  }
}
