package executorch4j;

import java.util.Objects;

/**
 * How to load a program. Immutable; start from {@link #defaults()} and use the {@code with...}
 * methods.
 *
 * @param loadMode how a file is read; {@code null} = as the optimization level says
 * @param verify run ExecuTorch's full internal-consistency verification of the program before
 *     using it (default true, since a model file is untrusted input); false only for trusted
 *     files when load time matters
 * @param memoryPolicy where runtime memory comes from
 * @param poolBytes STATIC pool size
 * @param allocator CUSTOM allocator
 * @param optimization runtime preset, see {@link OptimizationLevel}
 * @param profiling attach the per-operator profiler from the start
 * @param threads threads for XNNPACK and the optimized kernels; 0 = as the optimization level
 *     says, 1 = the calling thread only, N = resize ExecuTorch's process-wide pool to N
 * @param finiteCheck reject floating-point inputs holding NaN or infinity (default true: one
 *     pass over the input, cheap next to any kernel)
 */
public record LoadOptions(LoadMode loadMode, boolean verify, MemoryPolicy memoryPolicy,
    long poolBytes, NativeAllocator allocator, OptimizationLevel optimization, boolean profiling,
    int threads, boolean finiteCheck) {

  public LoadOptions {
    Objects.requireNonNull(memoryPolicy, "memoryPolicy");
    Objects.requireNonNull(optimization, "optimization");
    if (memoryPolicy == MemoryPolicy.STATIC && poolBytes <= 0) {
      throw new IllegalArgumentException("a STATIC pool needs a size > 0");
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
    if (memoryPolicy == MemoryPolicy.CUSTOM && allocator == null) {
      throw new IllegalArgumentException("CUSTOM memory needs a NativeAllocator");
    }
  }

  /** AUTO memory, BASIC optimization (mmap), full verification, no profiling. */
  public static LoadOptions defaults() {
    return new LoadOptions(null, true, MemoryPolicy.AUTO, 0, null, OptimizationLevel.BASIC, false, 0, true);
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
    return new LoadOptions(loadMode, verify, memoryPolicy, poolBytes, allocator, optimization, profiling, n, finiteCheck);
  }

  public LoadOptions withFiniteCheck(boolean on) {
    return new LoadOptions(loadMode, verify, memoryPolicy, poolBytes, allocator, optimization, profiling, threads, on);
  }

  public LoadOptions withLoadMode(LoadMode mode) {
    return new LoadOptions(mode, verify, memoryPolicy, poolBytes, allocator, optimization, profiling, threads, finiteCheck);
  }

  public LoadOptions withVerify(boolean v) {
    return new LoadOptions(loadMode, v, memoryPolicy, poolBytes, allocator, optimization, profiling, threads, finiteCheck);
  }

  /**
   * AUTO, or STATIC with a pool of {@code poolBytes} (the spec's {@code configure_memory}).
   * CUSTOM needs an allocator: use {@link #withAllocator}.
   */
  public LoadOptions withMemory(MemoryPolicy policy, long poolBytes) {
    if (policy == MemoryPolicy.CUSTOM) {
      throw new IllegalArgumentException("CUSTOM memory needs a NativeAllocator: use withAllocator");
    }
    return new LoadOptions(loadMode, verify, policy, policy == MemoryPolicy.STATIC ? poolBytes : 0, null,
        optimization, profiling, threads, finiteCheck);
  }

  /** CUSTOM memory through {@code allocator}. */
  public LoadOptions withAllocator(NativeAllocator allocator) {
    return new LoadOptions(loadMode, verify, MemoryPolicy.CUSTOM, 0, Objects.requireNonNull(allocator),
        optimization, profiling, threads, finiteCheck);
  }

  public LoadOptions withOptimization(OptimizationLevel level) {
    return new LoadOptions(loadMode, verify, memoryPolicy, poolBytes, allocator, level, profiling, threads, finiteCheck);
  }

  public LoadOptions withProfiling(boolean on) {
    return new LoadOptions(loadMode, verify, memoryPolicy, poolBytes, allocator, optimization, on, threads, finiteCheck);
  }
}
