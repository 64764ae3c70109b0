package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_alloc_fn;
import executorch4j.internal.ffi.et_free_fn;
import executorch4j.internal.ffi.et_memory_stats;
import executorch4j.internal.ffi.et_method_config;
import executorch4j.internal.ffi.et_method_info;
import executorch4j.internal.ffi.et_profile_event;
import executorch4j.internal.ffi.et_read_fn;
import executorch4j.internal.ffi.et_segment_info;
import executorch4j.internal.ffi.et_tensor_info;
import executorch4j.internal.ffi.et_tensor_input;
import executorch4j.internal.ffi.et_tensor_view;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A loaded ExecuTorch program ({@code .pte}) and its methods, ready to run.
 *
 * <pre>{@code
 * try (var model = ExecuTorchModel.load(Path.of("linear_regression.pte"))) {
 *   Map<String, Tensor> out = model.forward(Map.of("input_0", new float[] {2f}));
 *   float y = out.get("output_0").toFloatArray()[0]; // 7.0
 * }
 * }</pre>
 *
 * <p><b>Names.</b> ExecuTorch programs carry no names for method inputs and outputs, so the Map
 * interface uses positional keys {@code input_0..N} and {@code output_0..N}.
 *
 * <p><b>Outputs</b> are zero-copy views of the model's memory, valid until the next call on this
 * model; {@link Tensor#copy()} keeps one. After {@link #close()} they throw on access.
 *
 * <p><b>Threads.</b> A model may be shared between threads: calls on one model are serialized
 * (ExecuTorch's Method is not thread-safe). Use one model per thread for parallel inference.
 *
 * <p><b>Lifetime.</b> All native memory belongs to this object and is freed by {@link #close()}
 * (idempotent); any use afterwards throws {@link ExecuTorchException} with
 * {@link ErrorCode#CLOSED}.
 */
public final class ExecuTorchModel implements AutoCloseable {
  private static final int MAX_RANK = Et4j.ET_MAX_RANK();

  /** Executes whose times feed the percentiles of {@link #inferenceStats()}. */
  public static final int STATS_WINDOW = 1024;

  private final Arena arena = Arena.ofShared();
  private final LoadOptions options;
  private final MemorySegment program;
  private final List<String> methodNames;
  private final Map<String, LoadedMethod> methods = new LinkedHashMap<>();
  private final long sourceBytes;
  private final MemorySegment pool; // et_pool* for STATIC, else NULL
  private final AllocatorBridge allocator; // for CUSTOM, else null
  private final MemorySegment elapsed = arena.allocate(ValueLayout.JAVA_LONG);
  private boolean profiling;
  private final boolean checkFinite;
  private long channelId; // streaming source registered in Channels, 0 if none
  private List<Segment> segments = List.of();

  // Async calls: one queue per model, drained one call at a time in submission order.
  private final Object asyncLock = new Object();
  private final ArrayDeque<AsyncCall> asyncQueue = new ArrayDeque<>();
  private boolean asyncRunning;
  private boolean asyncClosed;
  private ExecutorService ownExecutor;

  private record AsyncCall(CompletableFuture<Map<String, Tensor>> future, Supplier<Map<String, Tensor>> work,
      Executor executor) {}
  private LoadedMethod lastRun;
  private boolean closed;

  // Timing: all executes since the last reset, plus a ring of the latest for percentiles.
  private final long[] window = new long[STATS_WINDOW];
  private long runs;
  private long lastNanos;
  private long totalNanos;
  private long minNanos = Long.MAX_VALUE;
  private long maxNanos;

  /**
   * One loaded method with the native scratch its calls reuse: input descriptors and output
   * views for the single {@code et_method_forward} downcall, and the output tensors and map of
   * the last call, reused while the runtime hands back the same memory and shape, so a steady
   * forward allocates nothing on the Java heap.
   */
  private static final class LoadedMethod {
    final MethodMeta meta;
    final MemorySegment handle;
    final long[][] inputShapes;
    final boolean[][] inputDynamic;
    final MemorySegment inputDescs; // et_tensor_input[n]
    final MemorySegment[] inputDesc;
    final MemorySegment outputViews; // et_tensor_view[m]
    final MemorySegment[] outputView;
    final Tensor[] outputs;
    final OutputMap outputMap;

    LoadedMethod(MethodMeta meta, MemorySegment handle, Arena arena) {
      this.meta = meta;
      this.handle = handle;
      int n = meta.inputs().size();
      int m = meta.outputs().size();
      this.inputShapes = meta.inputs().stream().map(TensorMeta::shape).toArray(long[][]::new);
      this.inputDynamic = new boolean[n][];
      for (int i = 0; i < n; i++) {
        inputDynamic[i] = new boolean[inputShapes[i].length];
        for (int d : meta.inputs().get(i).dynamicDims()) {
          inputDynamic[i][d] = true;
        }
      }
      this.inputDescs = et_tensor_input.allocateArray(Math.max(1, n), arena);
      this.inputDesc = new MemorySegment[n];
      for (int i = 0; i < n; i++) {
        inputDesc[i] = et_tensor_input.asSlice(inputDescs, i);
      }
      this.outputViews = et_tensor_view.allocateArray(Math.max(1, m), arena);
      this.outputView = new MemorySegment[m];
      for (int j = 0; j < m; j++) {
        outputView[j] = et_tensor_view.asSlice(outputViews, j);
      }
      this.outputs = new Tensor[m];
      this.outputMap = new OutputMap(meta.outputNames().toArray(String[]::new), outputs);
    }
  }

  /** A read-only map over a method's current output tensors; get() does not allocate. */
  private static final class OutputMap extends java.util.AbstractMap<String, Tensor> {
    private final String[] names;
    private final Tensor[] values;

    OutputMap(String[] names, Tensor[] values) {
      this.names = names;
      this.values = values;
    }

    @Override
    public Tensor get(Object key) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(key)) {
          return values[i];
        }
      }
      return null;
    }

    @Override
    public boolean containsKey(Object key) {
      return get(key) != null;
    }

    @Override
    public int size() {
      return names.length;
    }

    @Override
    public java.util.Set<Map.Entry<String, Tensor>> entrySet() {
      Map<String, Tensor> copy = new LinkedHashMap<>();
      for (int i = 0; i < names.length; i++) {
        copy.put(names[i], values[i]);
      }
      return Collections.unmodifiableMap(copy).entrySet();
    }
  }

  private ExecuTorchModel(Loader loader, long sourceBytes, LoadOptions options) {
    Native.init();
    this.sourceBytes = sourceBytes;
    this.options = options;
    this.profiling = options.profiling();
    this.checkFinite = options.finiteCheck();
    MemorySegment prog = MemorySegment.NULL;
    MemorySegment poolHandle = MemorySegment.NULL;
    AllocatorBridge bridge = null;
    try {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      if (options.memoryPolicy() == MemoryPolicy.STATIC) {
        // The one pool: allocated once, page-aligned so its layout is reproducible.
        MemorySegment memory = arena.allocate(options.poolBytes(), 4096);
        check(Et4j.et_pool_create(memory, memory.byteSize(), out));
        poolHandle = out.get(ValueLayout.ADDRESS, 0);
      }
      this.pool = poolHandle;
      bridge = options.memoryPolicy() == MemoryPolicy.CUSTOM ? new AllocatorBridge(options.allocator()) : null;
      this.allocator = bridge;
      check(loader.load(arena, out));
      prog = out.get(ValueLayout.ADDRESS, 0);
      this.program = prog;
      this.methodNames = readMethodNames();
      this.segments = readSegments();
      loadMethods();
    } catch (RuntimeException | Error e) {
      destroyMethods();
      Et4j.et_program_destroy(prog);
      Et4j.et_pool_destroy(poolHandle);
      if (bridge != null) {
        bridge.unregister();
      }
      arena.close();
      throw e;
    }
  }

  /**
   * Loads every method now, so a missing kernel or backend fails at load, naming it. Called
   * again (after {@link #destroyMethods}) when profiling is switched.
   */
  private void loadMethods() {
    OptimizationLevel level = options.optimization();
    for (String name : methodNames) {
      MethodMeta meta = readMeta(name);
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
        et_method_config.xnnpack_weight_cache(cfg, level.xnnpackWeightCache() ? 1 : 0);
        et_method_config.xnnpack_workspace_sharing(cfg, level.xnnpackWorkspaceSharing());
        et_method_config.warmup_runs(cfg, level.warmupRuns());
        et_method_config.profiling(cfg, profiling ? 1 : 0);
        MemorySegment m = tmp.allocate(ValueLayout.ADDRESS);
        int status = Et4j.et_method_load(program, tmp.allocateFrom(name), cfg, m);
        if (status != 0 && allocator != null && allocator.failure != null) {
          ExecuTorchException e = Native.error(status, "custom allocator failed");
          e.initCause(allocator.failure);
          allocator.failure = null;
          throw e;
        }
        check(status);
        MemorySegment handle = m.get(ValueLayout.ADDRESS, 0);
        methods.put(name, new LoadedMethod(withDynamicDims(meta, handle), handle, arena));
      }
    }
  }

  private void destroyMethods() {
    for (LoadedMethod m : methods.values()) {
      Et4j.et_method_destroy(m.handle);
    }
    methods.clear();
    lastRun = null;
  }

  /**
   * Bridges a Java {@link NativeAllocator} to the facade's callbacks. The two upcall stubs exist
   * once per process (creating stubs per model would churn the code cache); each model's bridge
   * is found by the id the facade hands back as {@code userdata}. Their bodies catch
   * everything, since an exception escaping an upcall would terminate the JVM.
   */
  private static final class AllocatorBridge {
    private static final java.util.concurrent.ConcurrentHashMap<Long, AllocatorBridge> BRIDGES =
        new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong(1);
    static final MemorySegment ALLOC = et_alloc_fn.allocate(AllocatorBridge::allocateUpcall, Arena.global());
    static final MemorySegment FREE = et_free_fn.allocate(AllocatorBridge::releaseUpcall, Arena.global());

    final NativeAllocator target;
    final long id = IDS.getAndIncrement();
    final MemorySegment userdata = MemorySegment.ofAddress(id);
    final Map<Long, MemorySegment> live = new HashMap<>();
    volatile Throwable failure;

    AllocatorBridge(NativeAllocator target) {
      this.target = target;
      BRIDGES.put(id, this);
    }

    /** Forgets this bridge once no method can call it any more. */
    void unregister() {
      BRIDGES.remove(id);
    }

    private static MemorySegment allocateUpcall(MemorySegment userdata, long size, long alignment) {
      AllocatorBridge b = BRIDGES.get(userdata.address());
      return b == null ? MemorySegment.NULL : b.allocate(userdata, size, alignment);
    }

    private static void releaseUpcall(MemorySegment userdata, MemorySegment ptr, long size) {
      AllocatorBridge b = BRIDGES.get(userdata.address());
      if (b != null) {
        b.release(userdata, ptr, size);
      }
    }

    private MemorySegment allocate(MemorySegment userdata, long size, long alignment) {
      try {
        MemorySegment block = target.allocate(size, alignment);
        if (block == null || block.equals(MemorySegment.NULL) || !block.isNative()) {
          failure = new IllegalStateException("allocate(" + size + ", " + alignment + ") returned no native memory");
          return MemorySegment.NULL;
        }
        if (block.byteSize() < size) {
          failure = new IllegalStateException("allocate(" + size + ") returned only " + block.byteSize() + " bytes");
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

    private void release(MemorySegment userdata, MemorySegment ptr, long size) {
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

  @FunctionalInterface
  private interface Loader {
    int load(Arena arena, MemorySegment outProgram);
  }

  // ------------------------------------------------------------------ loading

  /** Loads a {@code .pte} file with {@link LoadOptions#defaults()}. */
  public static ExecuTorchModel load(Path path) {
    return load(path, LoadOptions.defaults());
  }

  /** Loads a {@code .pte} file. */
  public static ExecuTorchModel load(Path path, LoadOptions options) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    int mode = switch (options.effectiveLoadMode()) {
      case FILE -> Et4j.ET_LOAD_FILE();
      case MMAP -> Et4j.ET_LOAD_MMAP();
      case MMAP_MLOCK -> Et4j.ET_LOAD_MMAP_MLOCK();
    };
    String file = path.toAbsolutePath().toString();
    long size = path.toFile().length();
    return new ExecuTorchModel(
        (arena, out) -> Et4j.et_program_load_file(arena.allocateFrom(file), mode, verification(options), out),
        size, options);
  }

  /** Loads a program from bytes (copied; the array may be reused afterwards). */
  public static ExecuTorchModel load(byte[] bytes) {
    return load(bytes, LoadOptions.defaults());
  }

  /** Loads a program from bytes (copied; the array may be reused afterwards). */
  public static ExecuTorchModel load(byte[] bytes, LoadOptions options) {
    Objects.requireNonNull(bytes, "bytes");
    return new ExecuTorchModel(
        (arena, out) -> {
          try (Arena tmp = Arena.ofConfined()) {
            MemorySegment seg = tmp.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return Et4j.et_program_load_buffer(seg, bytes.length, verification(options), out);
          }
        },
        bytes.length, options);
  }

  /** Loads a program from memory (copied; the segment may be freed afterwards). */
  public static ExecuTorchModel load(MemorySegment data) {
    return load(data, LoadOptions.defaults());
  }

  /** Loads a program from memory (copied; the segment may be freed afterwards). */
  public static ExecuTorchModel load(MemorySegment data, LoadOptions options) {
    Objects.requireNonNull(data, "data");
    if (!data.isNative()) {
      return load(data.toArray(ValueLayout.JAVA_BYTE), options);
    }
    return new ExecuTorchModel(
        (arena, out) -> Et4j.et_program_load_buffer(data, data.byteSize(), verification(options), out),
        data.byteSize(), options);
  }

  /** Reads a whole stream and loads it (the stream is not closed). */
  public static ExecuTorchModel load(InputStream in) {
    return load(in, LoadOptions.defaults());
  }

  /** Reads a whole stream and loads it (the stream is not closed). */
  public static ExecuTorchModel load(InputStream in, LoadOptions options) {
    Objects.requireNonNull(in, "in");
    try {
      return load(in.readAllBytes(), options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model stream", e);
    }
  }

  /**
   * Streams a program from a seekable channel: the header and each segment are read on demand,
   * never the whole file at once. The channel must stay open until this model is closed.
   */
  public static ExecuTorchModel load(SeekableByteChannel channel) {
    return load(channel, LoadOptions.defaults());
  }

  /** Streams a program from a seekable channel (see {@link #load(SeekableByteChannel)}). */
  public static ExecuTorchModel load(SeekableByteChannel channel, LoadOptions options) {
    Objects.requireNonNull(channel, "channel");
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot size model channel", e);
    }
    long id = Channels.register(channel);
    try {
      ExecuTorchModel model = new ExecuTorchModel(
          (arena, out) -> Et4j.et_program_load_stream(Channels.READ, MemorySegment.ofAddress(id), size,
              verification(options), out),
          size, options);
      model.channelId = id;
      return model;
    } catch (RuntimeException | Error e) {
      Channels.unregister(id);
      throw e;
    }
  }

  /** Streaming sources: one process-wide read stub, each model's channel found by id. */
  private static final class Channels {
    private static final java.util.concurrent.ConcurrentHashMap<Long, SeekableByteChannel> OPEN =
        new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong(1);
    static final MemorySegment READ = et_read_fn.allocate(Channels::readUpcall, Arena.global());

    static long register(SeekableByteChannel c) {
      long id = IDS.getAndIncrement();
      OPEN.put(id, c);
      return id;
    }

    static void unregister(long id) {
      OPEN.remove(id);
    }

    private static long readUpcall(MemorySegment userdata, long offset, MemorySegment dst, long n) {
      SeekableByteChannel c = OPEN.get(userdata.address());
      return c == null ? -1 : readAt(c, offset, dst, n);
    }
  }

  /** Upcall body: never lets an exception escape (that would kill the JVM). */
  private static long readAt(SeekableByteChannel channel, long offset, MemorySegment dst, long n) {
    try {
      ByteBuffer buf = dst.reinterpret(n).asByteBuffer();
      synchronized (channel) {
        channel.position(offset);
        while (buf.hasRemaining()) {
          if (channel.read(buf) < 0) {
            return -1;
          }
        }
      }
      return n;
    } catch (Throwable t) {
      return -1;
    }
  }

  private static int verification(LoadOptions o) {
    return o.verify() ? Et4j.ET_VERIFY_INTERNAL_CONSISTENCY() : Et4j.ET_VERIFY_MINIMAL();
  }

  // ----------------------------------------------------------------- metadata

  /** True until {@link #close()}. */
  public synchronized boolean isLoaded() {
    return !closed;
  }

  /** Names of the program's methods, in program order. */
  public List<String> methodNames() {
    ensureOpen();
    return methodNames;
  }

  /** Metadata of {@code method}. */
  public synchronized MethodMeta methodMeta(String method) {
    return method(method).meta;
  }

  /** The program's data segments (constants, delegate blobs), in file order of the program's table. */
  public List<Segment> segments() {
    ensureOpen();
    return segments;
  }

  private List<Segment> readSegments() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment count = a.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_program_segment_count(program, count));
      List<Segment> out = new ArrayList<>();
      MemorySegment info = et_segment_info.allocate(a);
      for (long i = 0; i < count.get(ValueLayout.JAVA_LONG, 0); i++) {
        check(Et4j.et_program_segment(program, i, info));
        out.add(new Segment(et_segment_info.offset(info), et_segment_info.size(info),
            Segment.Kind.values()[Math.min(3, Math.max(0, et_segment_info.kind(info)))],
            et_segment_info.name(info).getString(0)));
      }
      return List.copyOf(out);
    }
  }

  /** Size of the program as loaded (file or buffer bytes). */
  public long sourceBytes() {
    return sourceBytes;
  }

  /**
   * Native heap bytes the facade holds right now for all models of this process (allocator
   * blocks, copied programs; not STATIC pools, which are Java arena memory): 0 once every model
   * is closed.
   */
  public static long nativeBytesInUse() {
    Native.init();
    return Et4j.et_runtime_live_bytes();
  }

  /** The options this model was loaded with. */
  public LoadOptions options() {
    return options;
  }

  /** Duration of the last execute, or {@code null} before the first. */
  public synchronized Duration lastInferenceTime() {
    return runs == 0 ? null : Duration.ofNanos(lastNanos);
  }

  /** Duration of the last execute in milliseconds (0 before the first). */
  public synchronized double lastInferenceTimeMillis() {
    return lastNanos / 1e6;
  }

  /** Mean execute duration since the last reset, or {@code null} before the first. */
  public synchronized Duration averageInferenceTime() {
    return runs == 0 ? null : Duration.ofNanos(totalNanos / runs);
  }

  /** Number of executes since the last reset. */
  public synchronized long inferenceCount() {
    return runs;
  }

  /** Timing statistics of the executes since the last {@link #resetStats()}. */
  public synchronized InferenceStats inferenceStats() {
    if (runs == 0) {
      return new InferenceStats(0, 0, 0, 0, 0, 0, 0);
    }
    long[] recent = Arrays.copyOf(window, (int) Math.min(runs, STATS_WINDOW));
    Arrays.sort(recent);
    return new InferenceStats(runs, lastNanos, totalNanos / runs, minNanos, maxNanos,
        percentile(recent, 0.50), percentile(recent, 0.99));
  }

  private static long percentile(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }

  /** Forgets all timing so far. */
  public synchronized void resetStats() {
    runs = 0;
    lastNanos = 0;
    totalNanos = 0;
    minNanos = Long.MAX_VALUE;
    maxNanos = 0;
  }

  private void record(long nanos) {
    window[(int) (runs % STATS_WINDOW)] = nanos;
    runs++;
    lastNanos = nanos;
    totalNanos += nanos;
    minNanos = Math.min(minNanos, nanos);
    maxNanos = Math.max(maxNanos, nanos);
  }

  // ---------------------------------------------------------------- profiling

  /**
   * Turns the per-operator profiler on or off. The tracer is attached when a method is loaded,
   * so switching reloads the methods (same memory policy); with profiling off no tracer is
   * attached at all and forward costs what it did before.
   */
  public synchronized void enableProfiling(boolean on) {
    ensureOpen();
    if (on == profiling) {
      return;
    }
    destroyMethods();
    profiling = on;
    loadMethods();
  }

  /** Whether the profiler is attached. */
  public synchronized boolean isProfiling() {
    return profiling;
  }

  /**
   * The profile of the last execute.
   *
   * @throws IllegalStateException if profiling is off or nothing ran since it was turned on
   */
  public synchronized ProfileReport profile() {
    ensureOpen();
    if (!profiling || lastRun == null) {
      throw new IllegalStateException(profiling ? "no execute since profiling was enabled"
          : "profiling is off: call enableProfiling(true) or load with LoadOptions.withProfiling(true)");
    }
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_program_method_count(program, count)); // cheap liveness check of the program
      check(Et4j.et_method_profile_count(lastRun.handle, count));
      long n = count.get(ValueLayout.JAVA_LONG, 0);
      MemorySegment ev = et_profile_event.allocate(tmp);
      List<ProfileReport.Event> events = new ArrayList<>();
      for (long i = 0; i < n; i++) {
        check(Et4j.et_method_profile_event(lastRun.handle, i, ev));
        events.add(new ProfileReport.Event(et_profile_event.name(ev).getString(0),
            ProfileReport.Kind.of(et_profile_event.kind(ev)), et_profile_event.instruction(ev),
            et_profile_event.start_ns(ev), et_profile_event.duration_ns(ev)));
      }
      return new ProfileReport(lastRun.meta.name(), events);
    }
  }

  /**
   * The ETDump of every execute of the last-run method since profiling was enabled, in
   * ExecuTorch's devtools format (load it with {@code executorch.devtools.Inspector}).
   */
  public synchronized byte[] etdump() {
    ensureOpen();
    if (!profiling || lastRun == null) {
      throw new IllegalStateException("profiling is off or nothing ran yet");
    }
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment data = tmp.allocate(ValueLayout.ADDRESS);
      MemorySegment size = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_method_etdump(lastRun.handle, data, size));
      MemorySegment buf = data.get(ValueLayout.ADDRESS, 0);
      try {
        return buf.reinterpret(size.get(ValueLayout.JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE);
      } finally {
        Et4j.et_free(buf);
      }
    }
  }

  // ------------------------------------------------------------------- memory

  /** Where this model's native memory is and how much of it there is. */
  public synchronized MemoryInfo memoryInfo() {
    ensureOpen();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment st = et_memory_stats.allocate(tmp);
      Map<String, Long> planned = new LinkedHashMap<>();
      long methodBytes = 0;
      long tempPeak = 0;
      long live = 0;
      for (var e : methods.entrySet()) {
        check(Et4j.et_method_memory_stats(e.getValue().handle, st));
        planned.put(e.getKey(), et_memory_stats.planned_bytes(st));
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
      long programBytes = sourceBytes;
      long runtimeBytes = options.memoryPolicy() == MemoryPolicy.STATIC ? options.poolBytes()
          : plannedTotal + methodBytes + tempPeak;
      return new MemoryInfo(options.memoryPolicy(), poolSize, poolUsed, poolPeak, planned, methodBytes,
          tempPeak, programBytes, live, runtimeBytes + programBytes);
    }
  }

  /**
   * The smallest STATIC pool that loads and runs this model: measured by loading it twice
   * (once to bound the need, once in a pool of that bound) and running one warm-up execute
   * in each, so the per-kernel temp memory is counted too.
   */
  public static long requiredPoolBytes(Path path) {
    LoadOptions probe = LoadOptions.defaults().withOptimization(OptimizationLevel.BASIC);
    long bound;
    try (var model = load(path, probe)) {
      MemoryInfo info = model.memoryInfo();
      long allocations = 0;
      try (Arena tmp = Arena.ofConfined()) {
        MemorySegment st = et_memory_stats.allocate(tmp);
        for (LoadedMethod m : model.methods.values()) {
          check(Et4j.et_method_memory_stats(m.handle, st));
          allocations += et_memory_stats.total_allocations(st);
        }
      }
      // Every allocation may be padded to its alignment (at most 64 in practice).
      bound = info.plannedBytesTotal() + info.methodAllocatorBytes() + info.tempPeakBytes()
          + 128 * (allocations + 8) + 4096;
    }
    try (var model = load(path, probe.withMemory(MemoryPolicy.STATIC, bound))) {
      long peak = model.memoryInfo().poolPeak();
      return (peak + 255) / 256 * 256;
    }
  }

  private List<String> readMethodNames() {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_program_method_count(program, count));
      long n = count.get(ValueLayout.JAVA_LONG, 0);
      List<String> names = new ArrayList<>();
      MemorySegment buf = tmp.allocate(256);
      MemorySegment len = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < n; i++) {
        check(Et4j.et_program_method_name(program, i, buf, buf.byteSize(), len));
        names.add(buf.getString(0));
      }
      return Collections.unmodifiableList(names);
    }
  }

  private MethodMeta readMeta(String name) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment cname = tmp.allocateFrom(name);
      MemorySegment info = et_method_info.allocate(tmp);
      check(Et4j.et_program_method_info(program, cname, info));
      List<TensorMeta> inputs = new ArrayList<>();
      List<TensorMeta> outputs = new ArrayList<>();
      MemorySegment ti = et_tensor_info.allocate(tmp);
      for (int io = 0; io < 2; io++) {
        long n = io == 0 ? et_method_info.num_inputs(info) : et_method_info.num_outputs(info);
        for (long i = 0; i < n; i++) {
          check(Et4j.et_program_tensor_info(program, cname, io, i, ti));
          (io == 0 ? inputs : outputs).add(tensorMeta((io == 0 ? "input_" : "output_") + i, ti));
        }
      }
      List<Long> planned = new ArrayList<>();
      MemorySegment size = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < et_method_info.num_planned_buffers(info); i++) {
        check(Et4j.et_program_planned_buffer_size(program, cname, i, size));
        planned.add(size.get(ValueLayout.JAVA_LONG, 0));
      }
      List<String> backends = new ArrayList<>();
      MemorySegment buf = tmp.allocate(256);
      MemorySegment len = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < et_method_info.num_backends(info); i++) {
        check(Et4j.et_program_backend_name(program, cname, i, buf, buf.byteSize(), len));
        backends.add(buf.getString(0));
      }
      return new MethodMeta(name, inputs, outputs, planned, backends);
    }
  }

  /** Probes which input dimensions the runtime lets shrink (the metadata does not say). */
  private static MethodMeta withDynamicDims(MethodMeta meta, MemorySegment handle) {
    List<TensorMeta> inputs = new ArrayList<>();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment mask = tmp.allocate(MAX_RANK);
      for (int i = 0; i < meta.inputs().size(); i++) {
        TensorMeta t = meta.inputs().get(i);
        check(Et4j.et_method_input_dynamic_dims(handle, i, mask));
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < t.rank(); d++) {
          if (mask.get(ValueLayout.JAVA_BYTE, d) != 0) {
            dims.add(d);
          }
        }
        inputs.add(t.withDynamicDims(dims));
      }
    }
    return new MethodMeta(meta.name(), inputs, meta.outputs(), meta.plannedBufferSizes(), meta.backends());
  }

  private static TensorMeta tensorMeta(String name, MemorySegment ti) {
    boolean isTensor = et_tensor_info.kind(ti) == 1;
    int rank = et_tensor_info.rank(ti);
    long[] shape = new long[isTensor ? rank : 0];
    int[] order = new int[shape.length];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = et_tensor_info.sizes(ti, d);
      order[d] = Byte.toUnsignedInt(et_tensor_info.dim_order(ti, d));
    }
    DType dtype = null;
    if (isTensor) {
      int code = et_tensor_info.dtype(ti);
      try {
        dtype = DType.fromCode(code);
      } catch (ExecuTorchException e) {
        throw new ExecuTorchException(ErrorCode.UNSUPPORTED_DTYPE, name + ": " + e.getMessage());
      }
    }
    return new TensorMeta(name, isTensor, dtype, shape, order, et_tensor_info.nbytes(ti),
        et_tensor_info.memory_planned(ti) != 0, List.of());
  }

  // ---------------------------------------------------------------- inference

  /**
   * Runs {@code forward} with inputs keyed {@code input_0..N}. Values may be {@link Tensor}s or
   * Java arrays / lists of numbers (converted to the declared dtype and reshaped to the declared
   * shape). Returns outputs keyed {@code output_0..N} (views, see class doc).
   */
  public Map<String, Tensor> forward(Map<String, ?> inputs) {
    return execute("forward", inputs);
  }

  /** Runs {@code forward} with positional tensor inputs. */
  public Map<String, Tensor> forward(Tensor... inputs) {
    return execute("forward", inputs);
  }

  /** Runs {@code method} with inputs keyed {@code input_0..N}. */
  public synchronized Map<String, Tensor> execute(String method, Map<String, ?> inputs) {
    Objects.requireNonNull(inputs, "inputs");
    LoadedMethod m = method(method);
    List<TensorMeta> declared = m.meta.inputs();
    for (String key : inputs.keySet()) {
      if (declared.stream().noneMatch(t -> t.name().equals(key))) {
        throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
            method + ": unknown input '" + key + "' (inputs: " + String.join(", ", m.meta.inputNames()) + ")");
      }
    }
    Tensor[] tensors = new Tensor[declared.size()];
    for (int i = 0; i < tensors.length; i++) {
      TensorMeta t = declared.get(i);
      Object v = inputs.get(t.name());
      if (v == null) {
        throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
            method + ": missing " + t.name() + " (" + t.signature() + ")");
      }
      tensors[i] = toTensor(t, v);
    }
    return run(m, tensors);
  }

  /** Runs {@code method} with positional tensor inputs. */
  public synchronized Map<String, Tensor> execute(String method, Tensor... inputs) {
    Objects.requireNonNull(inputs, "inputs");
    return run(method(method), inputs);
  }

  private static Tensor toTensor(TensorMeta t, Object v) {
    if (v instanceof Tensor tensor) {
      return tensor;
    }
    if (!t.isTensor()) {
      throw new ExecuTorchException(ErrorCode.UNSUPPORTED_VALUE, t.name() + " is not a tensor input");
    }
    Object values = v instanceof Number || v instanceof Boolean ? List.of(v) : v;
    int n;
    try {
      n = Tensor.length(values);
    } catch (IllegalArgumentException e) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": " + e.getMessage());
    }
    if (n != t.numel()) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
          t.name() + ": expected " + t.signature() + " (" + t.numel() + " values), got " + n
              + " values; pass a Tensor to use a smaller dynamic shape");
    }
    try {
      return Tensor.fromArray(values, t.dtype(), t.shape());
    } catch (IllegalArgumentException e) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": " + e.getMessage());
    }
  }

  /** The hot path: validate, one downcall, wrap outputs (reusing last call's objects). */
  private Map<String, Tensor> run(LoadedMethod m, Tensor[] inputs) {
    int n = m.inputDesc.length;
    if (inputs.length != n) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
          m.meta.name() + ": expected " + n + " inputs, got " + inputs.length);
    }
    for (int i = 0; i < n; i++) {
      describeInput(m, i, inputs[i]);
    }
    lastRun = m;
    int status;
    try {
      if (n <= 4) {
        // Input data pointers sit inside structs, which FFM does not keep alive; passing the
        // segments as (unused) arguments too makes FFM hold their arenas open for the call,
        // and refuse a freed or foreign-thread segment before any native code runs.
        status = Et4j.et_method_forward(m.handle, m.inputDescs, n, m.outputViews, m.outputView.length, elapsed,
            keep(inputs, 0), keep(inputs, 1), keep(inputs, 2), keep(inputs, 3));
      } else {
        status = forwardInputByInput(m, inputs);
      }
    } catch (IllegalStateException | WrongThreadException e) {
      throw unusableInput(m, inputs, e);
    }
    if (status != 0) {
      throw forwardError(m, inputs, status);
    }
    record(elapsed.get(ValueLayout.JAVA_LONG, 0));
    for (int j = 0; j < m.outputs.length; j++) {
      m.outputs[j] = outputTensor(m.outputView[j], m.outputs[j]);
    }
    return m.outputMap;
  }

  private static MemorySegment keep(Tensor[] inputs, int i) {
    return i < inputs.length ? inputs[i].segment() : MemorySegment.NULL;
  }

  /** More than four inputs: one set_input downcall each (data passed as an argument). */
  private int forwardInputByInput(LoadedMethod m, Tensor[] inputs) {
    for (int i = 0; i < inputs.length; i++) {
      MemorySegment desc = m.inputDesc[i];
      int status = Et4j.et_method_set_input(m.handle, i, et_tensor_input.dtype(desc),
          et_tensor_input.sizes(desc), et_tensor_input.rank(desc), inputs[i].segment(), inputs[i].byteSize());
      if (status != 0) {
        return status;
      }
    }
    int status = Et4j.et_method_execute(m.handle, elapsed);
    for (int j = 0; status == 0 && j < m.outputView.length; j++) {
      status = Et4j.et_method_output(m.handle, j, m.outputView[j]);
    }
    return status;
  }

  private void describeInput(LoadedMethod m, int i, Tensor x) {
    if (x == null) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, m.meta.inputs().get(i).name() + ": input is null");
    }
    TensorMeta t = m.meta.inputs().get(i);
    long[] declared = m.inputShapes[i];
    long[] shape = x.shapeRef();
    boolean fits = x.dtype() == t.dtype() && shape.length == declared.length;
    for (int d = 0; fits && d < shape.length; d++) {
      fits = shape[d] == declared[d] || (shape[d] < declared[d] && m.inputDynamic[i][d]);
    }
    if (!fits) {
      throw mismatch(t, x, "");
    }
    MemorySegment data = x.segment();
    // A freed or foreign-thread segment is refused by FFM itself when it is passed to the
    // downcall (see run); forwardError then names the input.
    if (checkFinite && x.dtype().isFloatingPoint() && data.scope().isAlive()
        && data.isAccessibleBy(Thread.currentThread())) {
      long bad = Elements.firstNonFinite(data, x.dtype());
      if (bad >= 0) {
        throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": element " + bad + " is "
            + Elements.getDouble(data, x.dtype(), bad) + " (NaN and infinity are rejected;"
            + " LoadOptions.withFiniteCheck(false) allows them)");
      }
    }
    MemorySegment desc = m.inputDesc[i];
    et_tensor_input.dtype(desc, x.dtype().code());
    et_tensor_input.rank(desc, shape.length);
    for (int d = 0; d < shape.length; d++) {
      et_tensor_input.sizes(desc, d, shape[d]);
    }
    et_tensor_input.data(desc, x.segment());
    et_tensor_input.nbytes(desc, x.byteSize());
  }

  /** The output as a Tensor: the previous object if the runtime gave the same view again. */
  private Tensor outputTensor(MemorySegment view, Tensor previous) {
    int rank = et_tensor_view.rank(view);
    long nbytes = et_tensor_view.nbytes(view);
    long address = et_tensor_view.data(view).address();
    int dtype = et_tensor_view.dtype(view);
    if (previous != null && previous.segment().address() == address && previous.byteSize() == nbytes
        && previous.dtype().code() == dtype && previous.shapeRef().length == rank) {
      long[] shape = previous.shapeRef();
      boolean same = true;
      for (int d = 0; same && d < rank; d++) {
        same = shape[d] == et_tensor_view.sizes(view, d);
      }
      if (same) {
        return previous;
      }
    }
    long[] shape = new long[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = et_tensor_view.sizes(view, d);
    }
    MemorySegment data = MemorySegment.ofAddress(address).reinterpret(nbytes, arena, null);
    return Tensor.wrap(data, DType.fromCode(dtype), shape);
  }

  /** The input whose memory FFM refused: freed, or confined to another thread. */
  private static ExecuTorchException unusableInput(LoadedMethod m, Tensor[] inputs, RuntimeException cause) {
    for (int i = 0; i < inputs.length; i++) {
      MemorySegment data = inputs[i].segment();
      String name = m.meta.inputs().get(i).name();
      if (!data.scope().isAlive()) {
        return new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
            name + ": the tensor's memory was freed (its arena is closed)", cause);
      }
      if (!data.isAccessibleBy(Thread.currentThread())) {
        return new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
            name + ": the tensor's memory is confined to another thread", cause);
      }
    }
    return new ExecuTorchException(ErrorCode.INPUT_MISMATCH, "an input's memory cannot be used: " + cause, cause);
  }

  private ExecuTorchException forwardError(LoadedMethod m, Tensor[] inputs, int status) {
    if (allocator != null && allocator.failure != null) {
      ExecuTorchException e = Native.error(status, "custom allocator failed during execute");
      e.initCause(allocator.failure);
      allocator.failure = null;
      return e;
    }
    if (status == ErrorCode.INPUT_MISMATCH.code()) {
      String text = Native.lastError();
      for (int i = 0; i < inputs.length; i++) {
        if (text.startsWith("input_" + i)) {
          return mismatch(m.meta.inputs().get(i), inputs[i], " (refused by the runtime: " + text + ")");
        }
      }
    }
    return Native.error(status, null);
  }

  private static ExecuTorchException mismatch(TensorMeta t, Tensor x, String why) {
    return new ExecuTorchException(ErrorCode.INPUT_MISMATCH,
        t.name() + ": expected " + t.signature() + ", got " + x.dtype() + Tensor.shapeText(x.shape()) + why);
  }

  private LoadedMethod method(String name) {
    Objects.requireNonNull(name, "method");
    ensureOpen();
    LoadedMethod m = methods.get(name);
    if (m == null) {
      throw new ExecuTorchException(ErrorCode.NOT_FOUND,
          "no method named '" + name + "' (methods: " + String.join(", ", methodNames) + ")");
    }
    return m;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ExecuTorchException(ErrorCode.CLOSED, "the model is closed");
    }
  }

  // -------------------------------------------------------------------- async

  /**
   * Runs {@code forward} on the model's own thread. See {@link #executeAsync(String, Map, Executor)}.
   */
  public CompletableFuture<Map<String, Tensor>> forwardAsync(Map<String, ?> inputs) {
    return executeAsync("forward", inputs, null);
  }

  /** Runs {@code forward} with tensor inputs on the model's own thread (tensors are read when it runs). */
  public CompletableFuture<Map<String, Tensor>> forwardAsync(Tensor... inputs) {
    Tensor[] in = inputs.clone();
    return submit(() -> owned(execute("forward", in)), null);
  }

  /**
   * Runs {@code method} later, on {@code executor} ({@code null} = a daemon thread of this model).
   * Calls on one model run one at a time in submission order, whatever the executor. The result
   * is a copy that belongs to the future's result, so later calls cannot overwrite it.
   * {@code cancel(true)} before the call starts removes it; once started, the native call
   * finishes and its result is dropped. {@link #close()} fails calls not yet started with
   * {@link ErrorCode#CLOSED} and waits for the one running. One failed call does not affect
   * the next.
   */
  public CompletableFuture<Map<String, Tensor>> executeAsync(String method, Map<String, ?> inputs, Executor executor) {
    Objects.requireNonNull(method, "method");
    Map<String, ?> in = Map.copyOf(inputs);
    return submit(() -> owned(execute(method, in)), executor);
  }

  private static Map<String, Tensor> owned(Map<String, Tensor> views) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    views.forEach((k, v) -> copy.put(k, v.copy()));
    return Collections.unmodifiableMap(copy);
  }

  private CompletableFuture<Map<String, Tensor>> submit(Supplier<Map<String, Tensor>> work, Executor executor) {
    CompletableFuture<Map<String, Tensor>> future = new CompletableFuture<>();
    AsyncCall call;
    synchronized (asyncLock) {
      if (asyncClosed) {
        future.completeExceptionally(new ExecuTorchException(ErrorCode.CLOSED, "the model is closed"));
        return future;
      }
      Executor target = executor;
      if (target == null) {
        if (ownExecutor == null) {
          ownExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "executorch4j-model");
            t.setDaemon(true);
            return t;
          });
        }
        target = ownExecutor;
      }
      asyncQueue.add(new AsyncCall(future, work, target));
      if (asyncRunning) {
        return future;
      }
      asyncRunning = true;
      call = asyncQueue.poll();
    }
    dispatch(call);
    return future;
  }

  private void dispatch(AsyncCall call) {
    try {
      call.executor().execute(() -> runAsync(call));
    } catch (RejectedExecutionException e) {
      call.future().completeExceptionally(e);
      next();
    }
  }

  private void runAsync(AsyncCall call) {
    try {
      if (!call.future().isDone()) { // cancelled before it started: skip
        call.future().complete(call.work().get());
      }
    } catch (Throwable t) {
      call.future().completeExceptionally(t);
    } finally {
      next();
    }
  }

  private void next() {
    AsyncCall n;
    synchronized (asyncLock) {
      n = asyncQueue.poll();
      if (n == null) {
        asyncRunning = false;
        return;
      }
    }
    dispatch(n);
  }

  // ------------------------------------------------------------------ closing

  /**
   * Frees the methods, then the program, then every native byte this model held. Output views
   * become inaccessible. Idempotent.
   */
  @Override
  public void close() {
    List<AsyncCall> pending;
    ExecutorService own;
    synchronized (asyncLock) {
      asyncClosed = true;
      pending = new ArrayList<>(asyncQueue);
      asyncQueue.clear();
      own = ownExecutor;
    }
    for (AsyncCall call : pending) {
      call.future().completeExceptionally(new ExecuTorchException(ErrorCode.CLOSED, "the model was closed first"));
    }
    closeNative(); // waits for a running call: both hold this model's monitor
    if (own != null) {
      own.shutdown();
    }
  }

  private synchronized void closeNative() {
    if (closed) {
      return;
    }
    closed = true;
    // Methods before the program and pool they use; the arena (pool memory, stubs) last.
    destroyMethods();
    Et4j.et_program_destroy(program);
    Et4j.et_pool_destroy(pool);
    if (allocator != null) {
      allocator.unregister();
    }
    if (channelId != 0) {
      Channels.unregister(channelId);
    }
    arena.close();
  }

  @Override
  public String toString() {
    return closed ? "ExecuTorchModel[closed]" : "ExecuTorchModel" + methodNames;
  }
}
