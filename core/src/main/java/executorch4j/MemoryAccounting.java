package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_memory_stats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where a model's native memory is, and how large a STATIC pool a program needs. */
final class MemoryAccounting {
  private MemoryAccounting() {}

  static MemoryInfo info(
      Collection<LoadedMethod.InProcess> methods,
      MemorySegment pool,
      LoadOptions options,
      long sourceBytes) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment st = et_memory_stats.allocate(tmp);
      Map<String, Long> planned = new LinkedHashMap<>();
      long methodBytes = 0;
      long tempPeak = 0;
      long live = 0;
      for (LoadedMethod.InProcess m : methods) {
        check(Et4j.et_method_memory_stats(m.handle, st));
        planned.put(m.meta.name(), et_memory_stats.planned_bytes(st));
        methodBytes += et_memory_stats.method_bytes(st);
        tempPeak = Math.max(tempPeak, et_memory_stats.temp_peak_bytes(st));
        live += et_memory_stats.live_allocations(st);
      }
      long poolSize = 0;
      long poolUsed = 0;
      long poolPeak = 0;
      if (!pool.equals(MemorySegment.NULL)) {
        MemorySegment a = tmp.allocate(ValueLayout.JAVA_LONG, 3);
        check(Et4j.et_pool_stats(pool, a, a.asSlice(8), a.asSlice(16)));
        poolSize = a.getAtIndex(ValueLayout.JAVA_LONG, 0);
        poolUsed = a.getAtIndex(ValueLayout.JAVA_LONG, 1);
        poolPeak = a.getAtIndex(ValueLayout.JAVA_LONG, 2);
      }
      long plannedTotal = planned.values().stream().mapToLong(Long::longValue).sum();
      long runtimeBytes =
          options.memoryPolicy() == MemoryPolicy.STATIC
              ? options.poolBytes()
              : plannedTotal + methodBytes + tempPeak;
      return new MemoryInfo(
          options.memoryPolicy(),
          poolSize,
          poolUsed,
          poolPeak,
          planned,
          methodBytes,
          tempPeak,
          sourceBytes,
          live,
          runtimeBytes + sourceBytes);
    }
  }

  /** Allocations the methods' allocators made so far (each may be padded to its alignment). */
  static long allocationCount(Collection<LoadedMethod.InProcess> methods) {
    long allocations = 0;
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment st = et_memory_stats.allocate(tmp);
      for (LoadedMethod.InProcess m : methods) {
        check(Et4j.et_method_memory_stats(m.handle, st));
        allocations += et_memory_stats.total_allocations(st);
      }
    }
    return allocations;
  }
}
