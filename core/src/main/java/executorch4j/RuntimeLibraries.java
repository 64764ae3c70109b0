package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the runtime has registered, and native libraries that register more: the calls behind {@link
 * ExecuTorchRuntime}'s listings and {@code loadOperatorLibrary}, kept below it so that {@link
 * Backends} (which ExecuTorchRuntime uses) can use them too.
 */
final class RuntimeLibraries {
  private RuntimeLibraries() {}

  /** Loads a library whose static initializers register kernels; returns how many it added. */
  static int loadLibrary(Path library) {
    Native.init();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment added = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_op_library_load(tmp.allocateFrom(library.toAbsolutePath().toString()), added));
      return Math.toIntExact(added.get(ValueLayout.JAVA_LONG, 0));
    }
  }

  /** Operator names with a kernel, in registration order, each once. */
  static List<String> operatorNames() {
    return names(Et4j::et_runtime_kernel_count, Et4j::et_runtime_kernel_name);
  }

  /** Ids of the registered delegate backends. */
  static List<String> backendNames() {
    return names(Et4j::et_runtime_backend_count, Et4j::et_runtime_backend_name);
  }

  private interface Count {
    int into(MemorySegment count);
  }

  private interface Name {
    int into(long index, MemorySegment buf, long size, MemorySegment length);
  }

  private static List<String> names(Count count, Name name) {
    Native.init();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment n = tmp.allocate(ValueLayout.JAVA_LONG);
      check(count.into(n));
      Set<String> names = new LinkedHashSet<>();
      MemorySegment buf = tmp.allocate(256);
      for (long i = 0; i < n.get(ValueLayout.JAVA_LONG, 0); i++) {
        check(name.into(i, buf, buf.byteSize(), MemorySegment.NULL));
        names.add(buf.getString(0));
      }
      return List.copyOf(names);
    }
  }
}
