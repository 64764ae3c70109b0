package executorch4j;

import java.lang.foreign.MemorySegment;

/**
 * A caller-supplied allocator for {@link MemoryPolicy#CUSTOM}. The runtime calls it (through an FFM
 * upcall) for method structures, memory-planned buffers and per-kernel temp memory.
 *
 * <p>Calls arrive on the thread running the model. Throwing, or returning {@code null}, a {@link
 * MemorySegment#NULL} or a misaligned block, makes the load or forward fail with an {@link
 * ExecuTorchException}; it never crashes the JVM.
 */
public interface NativeAllocator {
  /**
   * Returns native memory of at least {@code size} bytes aligned to {@code alignment} (a power of
   * two). It must stay valid until {@link #release} is called for it.
   */
  MemorySegment allocate(long size, long alignment);

  /** Gives back a block {@link #allocate} returned (the same segment). */
  void release(MemorySegment block);
}
