package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Methods loaded and run in this process, with the memory the options ask for (a STATIC pool, a CUSTOM allocator). */
final class InProcessRunner extends MethodRunner {
  private final Program program;
  private final MemorySegment pool; // et_pool* for STATIC, else NULL
  private final AllocatorBridge allocator; // CUSTOM, else null

  private InProcessRunner(ModelSource source, LoadOptions options) {
    super(options);
    MemorySegment poolHandle = MemorySegment.NULL;
    AllocatorBridge bridge = null;
    Program loaded = null;
    try {
      if (options.memoryPolicy() == MemoryPolicy.STATIC) {
        // The one pool: allocated once, page-aligned so its layout is reproducible.
        MemorySegment memory = arena.allocate(options.poolBytes(), 4096);
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        check(Et4j.et_pool_create(memory, memory.byteSize(), out));
        poolHandle = out.get(ValueLayout.ADDRESS, 0);
      }
      bridge = options.allocator().map(AllocatorBridge::new).orElse(null);
      loaded = Program.load(source, options);
    } catch (RuntimeException | Error e) {
      free(loaded, poolHandle, bridge);
      throw e;
    }
    this.program = loaded;
    this.pool = poolHandle;
    this.allocator = bridge;
  }

  static InProcessRunner open(ModelSource source, LoadOptions options) {
    return new InProcessRunner(source, options);
  }

  @Override
  Program program() {
    return program;
  }

  @Override
  InProcessMethod load(MethodMeta declared, int index, boolean profiling) {
    return MethodLoader.load(program.handle(), declared, options, pool, allocator, profiling, arena);
  }

  @Override
  void requireProfiling() {
    // Every in-process method can carry the tracer.
  }

  @Override
  MemoryInfo memoryInfo() {
    return MemoryAccounting.info(inProcessMethods(), pool, options, program.sourceBytes());
  }

  @Override
  long allocationCount() {
    return MemoryAccounting.allocationCount(inProcessMethods());
  }

  private List<InProcessMethod> inProcessMethods() {
    // Every method here came from load() above.
    return methods().stream().map(InProcessMethod.class::cast).toList();
  }

  @Override
  public void close() {
    destroyMethods();
    free(program, pool, allocator);
  }

  /** After the methods: the program, the pool and the allocator they used; the arena (pool memory, scratch) last. */
  private void free(Program program, MemorySegment pool, AllocatorBridge allocator) {
    if (program != null) {
      program.close();
    }
    Et4j.et_pool_destroy(pool);
    if (allocator != null) {
      allocator.unregister();
    }
    arena.close();
  }
}
