package executorch4j;

import executorch4j.internal.Registry;
import executorch4j.internal.ffi.et_alloc_fn;
import executorch4j.internal.ffi.et_free_fn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Bridges a Java {@link NativeAllocator} to the facade's allocation callbacks (the CUSTOM memory
 * policy). The two upcall stubs exist once per process; each model's bridge is found by the {@code
 * userdata} the facade hands back. Their bodies catch everything, since an exception escaping an
 * upcall would terminate the JVM: a failure is kept and reported by the call that needed the
 * memory.
 */
final class AllocatorBridge {
  private static final Registry<AllocatorBridge> BRIDGES = new Registry<>();
  static final MemorySegment ALLOC =
      et_alloc_fn.allocate(AllocatorBridge::allocateUpcall, Arena.global());
  static final MemorySegment FREE =
      et_free_fn.allocate(AllocatorBridge::releaseUpcall, Arena.global());

  private final NativeAllocator target;
  final MemorySegment userdata;
  private final Map<Long, MemorySegment> live = new HashMap<>();
  private volatile Throwable failure;

  AllocatorBridge(NativeAllocator target) {
    this.target = target;
    this.userdata = BRIDGES.add(this);
  }

  /** Forgets this bridge once no method can call it any more. */
  void unregister() {
    BRIDGES.remove(userdata);
  }

  /** The allocator's failure since the last call, attached as the cause of {@code e}; clears it. */
  ExecuTorchException withFailure(ExecuTorchException e) {
    Throwable t = failure;
    if (t != null) {
      failure = null;
      e.initCause(t);
    }
    return e;
  }

  boolean failed() {
    return failure != null;
  }

  private static MemorySegment allocateUpcall(MemorySegment userdata, long size, long alignment) {
    AllocatorBridge b = BRIDGES.get(userdata);
    return b == null ? MemorySegment.NULL : b.allocate(size, alignment);
  }

  private static void releaseUpcall(MemorySegment userdata, MemorySegment ptr, long size) {
    AllocatorBridge b = BRIDGES.get(userdata);
    if (b != null) {
      b.release(ptr);
    }
  }

  private MemorySegment allocate(long size, long alignment) {
    try {
      MemorySegment block = target.allocate(size, alignment);
      if (block == null || block.equals(MemorySegment.NULL) || !block.isNative()) {
        failure =
            new IllegalStateException(
                "allocate(" + size + ", " + alignment + ") returned no native memory");
        return MemorySegment.NULL;
      }
      if (block.byteSize() < size) {
        failure =
            new IllegalStateException(
                "allocate(" + size + ") returned only " + block.byteSize() + " bytes");
        target.release(block);
        return MemorySegment.NULL;
      }
      synchronized (live) {
        live.put(block.address(), block);
      }
      return block;
    } catch (Throwable t) {
      failure = t;
      return MemorySegment.NULL;
    }
  }

  private void release(MemorySegment ptr) {
    try {
      MemorySegment block;
      synchronized (live) {
        block = live.remove(ptr.address());
      }
      if (block != null) {
        target.release(block);
      }
    } catch (Throwable t) {
      failure = t;
    }
  }
}
