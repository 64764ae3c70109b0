package executorch4j;

import executorch4j.internal.Native;

/**
 * Runtime presets. ExecuTorch optimizes at export time and has no runtime graph passes, so each
 * level is an honest set of real runtime knobs:
 *
 * <table>
 *   <caption>What each level sets</caption>
 *   <tr><th>knob</th><th>NONE</th><th>BASIC (default)</th><th>AGGRESSIVE</th></tr>
 *   <tr><td>threads (XNNPACK, optimized kernels)</td><td>1, the calling thread</td>
 *       <td>runtime default (performance cores), at most the CPUs the process may use</td><td>all logical CPUs</td></tr>
 *   <tr><td>file loading</td><td>read()</td><td>mmap</td><td>mmap + mlock</td></tr>
 *   <tr><td>warm-up executes at load</td><td>0</td><td>1</td><td>3</td></tr>
 *   <tr><td>Java call path compiled at load (dry calls, nothing executes)</td><td>no</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>XNNPACK weight cache</td><td>off</td><td>off</td><td>on</td></tr>
 *   <tr><td>XNNPACK workspace sharing</td><td>disabled</td><td>per model</td><td>per model</td></tr>
 * </table>
 *
 * <p>An explicit {@link LoadOptions#withLoadMode} overrides the level's file loading. ExecuTorch
 * has one thread pool per process: a level that resizes it affects every model.
 */
public enum OptimizationLevel {
  NONE(1, LoadMode.FILE, 0, false, 0, 0),
  // Workspace sharing per model, not the wheel's default (global): with one global XNNPACK
  // workspace, whose lock is held for a whole execute, concurrent calls on different models
  // take turns (measured: 2 callers on 2 separate models got 1 caller's throughput).
  BASIC(0, LoadMode.MMAP, 1, false, 1, 5_000),
  AGGRESSIVE(-1, LoadMode.MMAP_MLOCK, 3, true, 1, 5_000);

  private final int threads;
  private final LoadMode loadMode;
  private final int warmupRuns;
  private final boolean xnnpackWeightCache;
  private final int xnnpackWorkspaceSharing;
  private final int jitPrimeCalls;

  OptimizationLevel(
      int threads,
      LoadMode loadMode,
      int warmupRuns,
      boolean weightCache,
      int sharing,
      int jitPrimeCalls) {
    this.threads = threads;
    this.loadMode = loadMode;
    this.warmupRuns = warmupRuns;
    this.xnnpackWeightCache = weightCache;
    this.xnnpackWorkspaceSharing = sharing;
    this.jitPrimeCalls = jitPrimeCalls;
  }

  /**
   * Threads for the runtime's pool (1 = the calling thread only). BASIC takes the runtime's default
   * but never more than {@code availableProcessors()}: the runtime counts the machine's cores, so
   * under {@code taskset} or a container CPU quota its pool would oversubscribe the CPUs the
   * process has (measured: one allowed CPU, a 2-thread pool, slower than NONE).
   */
  public int threads() {
    int cpus = Runtime.getRuntime().availableProcessors();
    return switch (threads) {
      case -1 -> cpus;
      case 0 -> Math.min(cpus, Native.defaultPoolThreads());
      default -> threads;
    };
  }

  /** How files are read at this level. */
  public LoadMode loadMode() {
    return loadMode;
  }

  /** Executes on zero inputs at load, so first-call costs are paid before the first forward. */
  public int warmupRuns() {
    return warmupRuns;
  }

  /** Whether XNNPACK's packed-weight cache is on. */
  public boolean xnnpackWeightCache() {
    return xnnpackWeightCache;
  }

  /**
   * Dry calls of the Java call path at load (the facade reads and executes nothing), so the JIT has
   * compiled it before the first real call; it compiles a method fully after about 5,000 calls.
   * Measured on bert_mini: 180-240 µs per call outside the execute in the first 300 real calls
   * without them, 80-110 with them (C++: 20). They cost 90-140 ms on a fresh JVM's first load
   * (30-45 of it one-time linking the first real call would pay anyway), 1-20 ms later.
   */
  public int jitPrimeCalls() {
    return jitPrimeCalls;
  }

  /** XNNPACK workspace sharing mode: -1 default, 0 disabled, 1 per model, 2 global. */
  public int xnnpackWorkspaceSharing() {
    return xnnpackWorkspaceSharing;
  }
}
