package executorch4j.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java objects reachable from native callbacks. An upcall stub is created once per process (a stub
 * per object would churn the code cache); the native side hands back the {@code userdata} it was
 * given, and the stub finds its object here by that id. An id is never reused, so a late callback
 * for a removed object finds nothing instead of the wrong object.
 */
public final class Registry<T> {
  private final ConcurrentHashMap<Long, T> objects = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1);

  /**
   * Registers {@code object}; the returned segment is the {@code userdata} to hand to native code.
   */
  public MemorySegment add(T object) {
    long id = ids.getAndIncrement();
    objects.put(id, object);
    return MemorySegment.ofAddress(id);
  }

  /** The object registered under {@code userdata}, or null if it was removed. */
  public T get(MemorySegment userdata) {
    return objects.get(userdata.address());
  }

  /** Forgets the object registered under {@code userdata} (no-op if absent). */
  public void remove(MemorySegment userdata) {
    objects.remove(userdata.address());
  }

  /** How many objects are registered (tests check nothing is left behind). */
  public int size() {
    return objects.size();
  }
}
