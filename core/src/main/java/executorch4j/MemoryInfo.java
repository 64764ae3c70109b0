package executorch4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Native memory a model holds, in bytes.
 *
 * @param policy where runtime memory comes from
 * @param poolSize STATIC pool capacity (0 otherwise)
 * @param poolUsed STATIC pool bytes in use now
 * @param poolPeak STATIC pool high-water mark
 * @param plannedBytes memory-planned buffers (activations and I/O) per method
 * @param methodAllocatorBytes method structures: values, kernels, delegate state
 * @param tempPeakBytes the largest temp-allocator use during one kernel
 * @param programBytes the program as loaded (file size, or the copy of a buffer)
 * @param liveAllocations runtime allocations currently held (0 after close)
 * @param totalNativeBytes everything above this model holds (the pool counts whole)
 */
public record MemoryInfo(
    MemoryPolicy policy,
    long poolSize,
    long poolUsed,
    long poolPeak,
    Map<String, Long> plannedBytes,
    long methodAllocatorBytes,
    long tempPeakBytes,
    long programBytes,
    long liveAllocations,
    long totalNativeBytes) {

  public MemoryInfo {
    plannedBytes = Map.copyOf(plannedBytes);
  }

  /** Sum of planned bytes over all methods. */
  public long plannedBytesTotal() {
    return plannedBytes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The same as a map with snake_case keys (the Godot {@code get_memory_info()} shape). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", policy.name());
    m.put("pool_size", poolSize);
    m.put("pool_used", poolUsed);
    m.put("pool_peak", poolPeak);
    m.put("planned_bytes", new LinkedHashMap<>(plannedBytes));
    m.put("method_allocator_bytes", methodAllocatorBytes);
    m.put("temp_peak_bytes", tempPeakBytes);
    m.put("program_bytes", programBytes);
    m.put("live_allocations", liveAllocations);
    m.put("total_native_bytes", totalNativeBytes);
    return m;
  }
}
