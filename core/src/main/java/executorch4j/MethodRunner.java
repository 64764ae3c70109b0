package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a model's methods live and run: {@link InProcess} in this process, or {@link Worker} in an
 * isolated worker process ({@link Isolation#PROCESS}). Owns the {@link Program}, the loaded methods
 * and every native resource they use, in one arena; the model in front of it keeps only what is the
 * same for both (timing, async calls, closing). Not thread-safe: the model serializes calls.
 */
abstract sealed class MethodRunner implements AutoCloseable {
  final Arena arena = Arena.ofShared();
  final LoadOptions options;
  private final Map<String, LoadedMethod> methods = new LinkedHashMap<>();

  MethodRunner(LoadOptions options) {
    this.options = options;
  }

  /**
   * Opens {@code source} where {@code options} say it runs.
   *
   * @param shareWeights XNNPACK's packed-weight cache on, whatever the optimization level: for a
   *     model whose methods will be loaded again ({@link #newInstance()})
   */
  static MethodRunner open(ModelSource source, LoadOptions options, boolean shareWeights) {
    return options.isolation() == Isolation.PROCESS
        ? Worker.open(source, options)
        : InProcess.open(source, options, shareWeights);
  }

  /**
   * A runner over the same program, with none of its methods loaded yet: its own method memory (and
   * STATIC pool or CUSTOM allocator bridge), the program's constants shared.
   */
  abstract MethodRunner newInstance();

  abstract Program program();

  /**
   * Loads the method that is number {@code index} in {@code program()}, its declared metadata being
   * {@code declared}.
   */
  abstract LoadedMethod load(MethodMeta declared, int index, boolean profiling);

  /** Throws unless this runner's methods can carry the per-operator tracer. */
  abstract void requireProfiling();

  abstract MemoryInfo memoryInfo();

  /** The worker's sandbox, or empty in process. */
  abstract Optional<Sandbox> sandbox();

  /** The worker's process id, 0 in process or once it is gone. */
  int workerPid() {
    return 0;
  }

  /** Allocations the methods' allocators made so far. */
  abstract long allocationCount();

  /**
   * Loads every method now (again, if loaded before), so a missing kernel or backend fails here,
   * naming it.
   */
  final void loadMethods(boolean profiling) {
    destroyMethods();
    var declared = program().methods();
    for (int i = 0; i < declared.size(); i++) {
      LoadedMethod m = load(declared.get(i), i, profiling);
      methods.put(m.meta.name(), m);
    }
  }

  /** The loaded method {@code name}, or null. */
  final LoadedMethod method(String name) {
    return methods.get(name);
  }

  /** The loaded method {@code name}; NOT_FOUND naming the methods there are. */
  final LoadedMethod require(String name) {
    LoadedMethod m = methods.get(name);
    if (m == null) {
      throw new ExecuTorchException(
          ErrorCode.NOT_FOUND,
          "no method named '"
              + name
              + "' (methods: "
              + String.join(", ", program().methodNames())
              + ")");
    }
    return m;
  }

  /**
   * Copies method {@code name}'s state from {@code source} into {@code target}: both in process,
   * instances of one program (ExecuTorchModel.copyStateFrom, which holds both models' locks).
   */
  static void copyState(MethodRunner target, MethodRunner source, String name) {
    target.require(name);
    source.require(name);
    if (!(target instanceof InProcess to)
        || !(source instanceof InProcess from)
        || to.program() != from.program()) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_ARGUMENT,
          "state is copied between instances of one program (newInstance()) in this process");
    }
    to.copyState(name, from);
  }

  final Collection<LoadedMethod> methods() {
    return methods.values();
  }

  final void destroyMethods() {
    methods.values().forEach(LoadedMethod::destroy);
    methods.clear();
  }

  /** Frees the methods, then the program, then everything they used. Called once. */
  @Override
  public abstract void close();

  /**
   * Methods loaded and run in this process, with the memory the options ask for (a STATIC pool, a
   * CUSTOM allocator).
   */
  static final class InProcess extends MethodRunner {
    private final Program program;
    private final MemorySegment pool; // et_pool* for STATIC, else NULL
    private final AllocatorBridge allocator; // CUSTOM, else null
    private final boolean shareWeights;
    private final boolean instance; // made by newInstance()

    private InProcess(ModelSource source, LoadOptions options, boolean shareWeights) {
      super(options);
      this.shareWeights = shareWeights;
      this.instance = false;
      MemorySegment poolHandle = MemorySegment.NULL;
      AllocatorBridge bridge = null;
      Program loaded = null;
      try {
        // The program (its metadata) first: what it declares is checked before any memory for it,
        // the pool included, is allocated.
        loaded = ProgramLoader.load(source, options);
        DeclaredLimits.check(loaded.methods(), options.declaredBytesLimit());
        poolHandle = createPool();
        bridge = options.allocator().map(AllocatorBridge::new).orElse(null);
      } catch (RuntimeException | Error e) {
        free(loaded, poolHandle, bridge);
        throw e;
      }
      this.program = loaded;
      this.pool = poolHandle;
      this.allocator = bridge;
    }

    /** Another instance of {@code base}'s program; the weight cache is on so packs are shared. */
    private InProcess(InProcess base) {
      super(base.options);
      this.shareWeights = true;
      this.instance = true;
      Program shared = base.program.retain();
      MemorySegment poolHandle = MemorySegment.NULL;
      AllocatorBridge bridge = null;
      try {
        poolHandle = createPool(); // each instance's own pool, of the size the options give
        bridge = options.allocator().map(AllocatorBridge::new).orElse(null);
      } catch (RuntimeException | Error e) {
        free(shared, poolHandle, bridge);
        throw e;
      }
      this.program = shared;
      this.pool = poolHandle;
      this.allocator = bridge;
    }

    static InProcess open(ModelSource source, LoadOptions options, boolean shareWeights) {
      return new InProcess(source, options, shareWeights);
    }

    /** The STATIC pool ({@code et_pool*}), allocated in the arena; NULL for other policies. */
    private MemorySegment createPool() {
      if (options.memoryPolicy() != MemoryPolicy.STATIC) {
        return MemorySegment.NULL;
      }
      // Page-aligned so its layout is reproducible.
      MemorySegment memory = arena.allocate(options.poolBytes(), 4096);
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      check(Et4j.et_pool_create(memory, memory.byteSize(), out));
      return out.get(ValueLayout.ADDRESS, 0);
    }

    @Override
    InProcess newInstance() {
      return new InProcess(this);
    }

    /**
     * Copies method {@code name}'s planned buffers (its mutable state) from {@code source}, an
     * instance of the same program.
     */
    void copyState(String name, InProcess source) {
      LoadedMethod.InProcess dst = (LoadedMethod.InProcess) method(name);
      LoadedMethod.InProcess src = (LoadedMethod.InProcess) source.method(name);
      check(Et4j.et_method_copy_state(dst.handle, src.handle));
    }

    @Override
    Program program() {
      return program;
    }

    @Override
    LoadedMethod.InProcess load(MethodMeta declared, int index, boolean profiling) {
      // Instances load concurrently from one program: its data loader (a stream's channel) is not
      // thread-safe, so loads of one program take turns.
      synchronized (program) {
        return MethodLoader.load(
            program.handle(),
            declared,
            options,
            pool,
            allocator,
            profiling,
            shareWeights,
            instance,
            arena);
      }
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

    @Override
    Optional<Sandbox> sandbox() {
      return Optional.empty();
    }

    private List<LoadedMethod.InProcess> inProcessMethods() {
      // Every method here came from load() above.
      return methods().stream().map(LoadedMethod.InProcess.class::cast).toList();
    }

    @Override
    public void close() {
      destroyMethods();
      free(program, pool, allocator);
    }

    /**
     * After the methods: the program, the pool and the allocator they used; the arena (pool memory,
     * scratch) last.
     */
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

  /**
   * Methods loaded and run by a worker process ({@link Isolation#PROCESS}). The program is read
   * here too, for its metadata only (verified; no method is loaded, no kernel runs in this
   * process); the worker loads and runs it. Inputs are written into the memory shared with the
   * worker; output views read the worker handle's copies of its outputs.
   */
  static final class Worker extends MethodRunner {
    private final Program program;
    private final WorkerProcess worker;

    private Worker(ModelSource source, LoadOptions options) {
      super(options);
      Program loaded = null;
      WorkerProcess proc = null;
      // The bytes (a file is mapped) are needed only while both sides load: each copies them.
      try (Arena read = Arena.ofConfined()) {
        MemorySegment bytes = WorkerProcess.programBytes(source, read);
        loaded = ProgramLoader.load(ModelSource.memory(bytes), options);
        // Before the worker starts: the memory shared with it is sized from these declarations.
        DeclaredLimits.check(loaded.methods(), options.declaredBytesLimit());
        loaded.methods().forEach(Backends::refuseInWorker); // before a worker is started
        proc = WorkerProcess.start(options, false);
        proc.load(bytes, options);
      } catch (RuntimeException | Error e) {
        free(loaded, proc); // the metadata a malformed program fails on comes first, as in process
        throw e;
      }
      this.program = loaded;
      this.worker = proc;
    }

    static Worker open(ModelSource source, LoadOptions options) {
      requireIsolatable(options);
      return new Worker(source, options);
    }

    @Override
    MethodRunner newInstance() {
      throw LoadedMethod.Isolated.notInWorker("newInstance (one worker runs one instance)");
    }

    private static void requireIsolatable(LoadOptions options) {
      if (options.memoryPolicy() != MemoryPolicy.AUTO) {
        throw new ExecuTorchException(
            ErrorCode.NOT_SUPPORTED,
            "an isolated model uses AUTO memory ("
                + options.memoryPolicy()
                + " memory cannot be shared with its worker)");
      }
      if (options.profiling()) {
        throw LoadedMethod.Isolated.notInWorker("profiling");
      }
    }

    @Override
    Program program() {
      return program;
    }

    @Override
    LoadedMethod.Isolated load(MethodMeta declared, int index, boolean profiling) {
      return new LoadedMethod.Isolated(
          worker.withDynamicDims(declared, index), worker, index, arena, options.finiteCheck());
    }

    @Override
    void requireProfiling() {
      throw LoadedMethod.Isolated.notInWorker("profiling");
    }

    @Override
    MemoryInfo memoryInfo() {
      throw LoadedMethod.Isolated.notInWorker(
          "memoryInfo (the method memory is in the worker process)");
    }

    @Override
    long allocationCount() {
      throw LoadedMethod.Isolated.notInWorker("allocationCount");
    }

    @Override
    int workerPid() {
      return worker.pid();
    }

    @Override
    Optional<Sandbox> sandbox() {
      int pid = worker.pid();
      if (pid == 0) {
        throw new ExecuTorchException(
            ErrorCode.WORKER_CRASHED, "the worker is gone; load the model again");
      }
      return Optional.of(Sandbox.of(pid));
    }

    @Override
    public void close() {
      destroyMethods();
      free(program, worker);
    }

    /**
     * The arena before the worker: output views (the handle's output copies) and the input slots
     * (its shared memory) are usable until the arena closes.
     */
    private void free(Program program, WorkerProcess process) {
      if (program != null) {
        program.close();
      }
      arena.close();
      if (process != null) {
        process.close();
      }
    }
  }
}
