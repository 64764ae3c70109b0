package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_method_config;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads one method of a program with the memory policy, optimization knobs and tracer the options
 * ask for.
 */
final class MethodLoader {
  private MethodLoader() {}

  /**
   * @param pool the STATIC pool ({@code et_pool*}), or NULL
   * @param allocator the CUSTOM allocator's bridge, or null
   * @param shareWeights XNNPACK's packed-weight cache on whatever the level says (instances of one
   *     program then share one packed copy of each weight)
   * @param instance a further instance of a program already loaded: the first paid the first-call
   *     costs the warm-up executes and JIT priming are for, so it skips them; its planned memory is
   *     zeroed instead, so state without an initial value (a KV cache) starts from zeros
   * @param arena the model's arena, which holds the method's scratch memory
   */
  static LoadedMethod.InProcess load(
      MemorySegment program,
      MethodMeta declared,
      LoadOptions options,
      MemorySegment pool,
      AllocatorBridge allocator,
      boolean profiling,
      boolean shareWeights,
      boolean instance,
      Arena arena) {
    String name = declared.name();
    Backends.prepare(name, declared.backends()); // loads an optional backend on first need
    OptimizationLevel level = options.optimization();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment cfg = Et4j.et_method_config_default(tmp);
      et_method_config.memory_policy(cfg, options.memoryPolicy().ordinal());
      et_method_config.pool(cfg, pool);
      if (allocator != null) {
        et_method_config.alloc(cfg, AllocatorBridge.ALLOC);
        et_method_config.free(cfg, AllocatorBridge.FREE);
        et_method_config.alloc_userdata(cfg, allocator.userdata);
      }
      et_method_config.threads(cfg, options.effectiveThreads());
      et_method_config.xnnpack_weight_cache(
          cfg, level.xnnpackWeightCache() || shareWeights ? 1 : 0);
      et_method_config.xnnpack_workspace_sharing(cfg, level.xnnpackWorkspaceSharing());
      et_method_config.warmup_runs(cfg, instance ? 0 : level.warmupRuns());
      et_method_config.profiling(cfg, profiling ? 1 : 0);
      MemorySegment out = tmp.allocate(ValueLayout.ADDRESS);
      int status = Et4j.et_method_load(program, tmp.allocateFrom(name), cfg, out);
      if (status != 0 && allocator != null && allocator.failed()) {
        throw allocator.withFailure(Native.error(status, "custom allocator failed"));
      }
      if (status == Et4j.ET_ERR_BACKEND_UNAVAILABLE()
          && declared.backends().contains(Backends.OPENVINO)
          && Backends.openvinoLoaded()) {
        throw Backends.openvinoRefused(name, Native.error(status, "cannot load method"));
      }
      Native.check(status);
      MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
      try {
        LoadedMethod.InProcess method =
            new LoadedMethod.InProcess(
                ProgramMetadata.withDynamicDims(declared, handle),
                handle,
                arena,
                options.finiteCheck(),
                allocator);
        if (instance) {
          Native.check(Et4j.et_method_clear_state(handle));
        } else {
          method.primeJit(level.jitPrimeCalls());
        }
        return method;
      } catch (RuntimeException | Error e) {
        Et4j.et_method_destroy(handle);
        throw e;
      }
    }
  }
}
