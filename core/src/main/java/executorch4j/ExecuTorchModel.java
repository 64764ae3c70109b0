package executorch4j;

import executorch4j.internal.Native;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p><b>Inputs</b> are read during the call only; one whose memory was freed (its arena closed)
 * fails with {@link ErrorCode#CLOSED} naming it before anything reads it, for any number of inputs.
 *
 * <p><b>Outputs</b> are zero-copy views of the model's memory, valid until the next call on this
 * model: reading the map of an earlier call throws ({@link ErrorCode#INVALID_STATE}), and so does
 * reading a view after {@link #close()} ({@link ErrorCode#CLOSED}). {@link Tensor#copy()} keeps
 * one.
 *
 * <p><b>Threads.</b> A model may be shared between threads: calls on one model are serialized
 * (ExecuTorch's Method is not thread-safe). Use one model, or one {@link #newInstance() instance},
 * per thread for parallel inference.
 *
 * <p><b>Errors.</b> What the runtime or the model refuses is an {@link ExecuTorchException} with an
 * {@link ErrorCode}; a caller's mistake (a null argument, a bad option) is a {@link
 * NullPointerException} or {@link IllegalArgumentException}.
 *
 * <p><b>Lifetime.</b> All native memory belongs to this object and is freed by {@link #close()}
 * (idempotent); any use afterwards throws {@link ExecuTorchException} with {@link
 * ErrorCode#CLOSED}.
 */
public final class ExecuTorchModel implements AutoCloseable {
  private static final AtomicLong IDS = new AtomicLong();
  private final long id = IDS.incrementAndGet(); // lock order when two models are locked
  private final LoadOptions options;
  private final MethodRunner runner; // owns the program, the methods and their native memory
  private final TimingStats timing = new TimingStats();
  private final AsyncQueue async = new AsyncQueue();
  private boolean profiling;
  private LoadedMethod lastRun;
  private boolean closed;

  private ExecuTorchModel(ModelSource source, LoadOptions options, boolean shareWeights) {
    Native.init();
    this.options = options;
    this.profiling = options.profiling();
    this.runner = MethodRunner.open(source, options, shareWeights);
    loadMethods();
  }

  private ExecuTorchModel(ExecuTorchModel base) {
    this.options = base.options;
    this.profiling = base.profiling;
    this.runner = base.runner.newInstance();
    loadMethods();
  }

  private void loadMethods() {
    try {
      runner.loadMethods(profiling);
    } catch (RuntimeException | Error e) {
      runner.close();
      throw e;
    }
  }

  /** Loads a {@code .pte} file with {@link LoadOptions#defaults()}. */
  public static ExecuTorchModel load(Path path) {
    return load(ModelSource.file(path), LoadOptions.defaults());
  }

  /** Loads a {@code .pte} file. */
  public static ExecuTorchModel load(Path path, LoadOptions options) {
    return load(ModelSource.file(path), options);
  }

  /**
   * Loads a program from a file, bytes, memory, a stream or a streamed channel, see {@link
   * ModelSource}.
   */
  public static ExecuTorchModel load(ModelSource source) {
    return load(source, LoadOptions.defaults());
  }

  /**
   * Loads a program from a file, bytes, memory, a stream or a streamed channel, see {@link
   * ModelSource}.
   */
  public static ExecuTorchModel load(ModelSource source, LoadOptions options) {
    return new ExecuTorchModel(
        Objects.requireNonNull(source, "source"),
        Objects.requireNonNull(options, "options"),
        false);
  }

  /**
   * As {@link #load(ModelSource, LoadOptions)}, for a program that will have several {@link
   * #newInstance() instances}: XNNPACK's packed-weight cache is on at any level, so all share one.
   */
  public static ExecuTorchModel loadShared(ModelSource source, LoadOptions options) {
    return new ExecuTorchModel(
        Objects.requireNonNull(source, "source"), Objects.requireNonNull(options, "options"), true);
  }

  /**
   * Another instance of this model: its methods loaded again, same options, over the same loaded
   * program and constants (XNNPACK's weight cache on, so packed weights are shared). It has its own
   * method memory (activations, a KV cache: zeroed, no warm-up) and runs in parallel with this
   * model. The program is freed when the last of its instances is closed, in any order.
   *
   * @throws ExecuTorchException {@link ErrorCode#NOT_SUPPORTED} for an isolated model ({@link
   *     Isolation#PROCESS}), {@link ErrorCode#CLOSED} after {@link #close()}, and the errors of
   *     loading a method
   */
  public synchronized ExecuTorchModel newInstance() {
    ensureOpen();
    return new ExecuTorchModel(this);
  }

  /**
   * Copies method {@code method}'s state (its planned buffers: mutable buffers such as a KV cache,
   * and activations) from {@code source}, another {@link #newInstance() instance} of this program:
   * this model then continues from where {@code source} was, and the output views of its last call
   * of {@code method} show {@code source}'s. Waits for a call running on either model.
   *
   * @throws ExecuTorchException {@link ErrorCode#INVALID_ARGUMENT} when {@code source} is this
   *     model or an instance of another program, {@link ErrorCode#CLOSED} if either is closed, and
   *     {@link ErrorCode#NOT_FOUND} for a method the program does not have
   */
  public void copyStateFrom(ExecuTorchModel source, String method) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(method, "method");
    if (source == this) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_ARGUMENT, "cannot copy a model's state from itself");
    }
    ExecuTorchModel first = id < source.id ? this : source;
    ExecuTorchModel second = first == this ? source : this;
    synchronized (first) {
      synchronized (second) {
        ensureOpen();
        source.ensureOpen();
        MethodRunner.copyState(runner, source.runner, method);
      }
    }
  }

  /** True until {@link #close()}. */
  public synchronized boolean isLoaded() {
    return !closed;
  }

  /** Names of the program's methods, in program order. */
  public synchronized List<String> methodNames() {
    ensureOpen();
    return runner.program().methodNames();
  }

  /** Metadata of {@code method}. */
  public synchronized MethodMeta methodMeta(String method) {
    return method(method).meta;
  }

  /**
   * The program's data segments (constants, delegate blobs), in file order of the program's table.
   */
  public synchronized List<Segment> segments() {
    ensureOpen();
    return runner.program().segments();
  }

  /** Size of the program as loaded (file or buffer bytes). */
  public long sourceBytes() {
    return runner.program().sourceBytes();
  }

  /** The options this model was loaded with. */
  public LoadOptions options() {
    return options;
  }

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
    return run(m, m.inputsByName(inputs));
  }

  /** Runs {@code method} with positional tensor inputs. */
  public synchronized Map<String, Tensor> execute(String method, Tensor... inputs) {
    Objects.requireNonNull(inputs, "inputs");
    return run(method(method), inputs);
  }

  private Map<String, Tensor> run(LoadedMethod m, Tensor[] inputs) {
    lastRun = m;
    Map<String, Tensor> out = m.run(inputs);
    timing.record(m.lastNanos());
    return out;
  }

  /** Runs {@code forward} on the model's own thread, as {@link #executeAsync}. */
  public CompletableFuture<Map<String, Tensor>> forwardAsync(Map<String, ?> inputs) {
    return executeAsync("forward", inputs, null);
  }

  /** Runs {@code forward} with tensor inputs (read when it runs) on the model's own thread. */
  public CompletableFuture<Map<String, Tensor>> forwardAsync(Tensor... inputs) {
    Tensor[] in = inputs.clone();
    return async.submit(() -> owned(() -> execute("forward", in)), null);
  }

  /**
   * Runs {@code method} later, on {@code executor} ({@code null} = a daemon thread of this model).
   * Calls on one model run one at a time in submission order, whatever the executor. The result is
   * a copy that belongs to the future's result, so later calls cannot overwrite it. {@code
   * cancel(true)} before the call starts removes it; once started, the native call finishes and its
   * result is dropped. {@link #close()} fails calls not yet started with {@link ErrorCode#CLOSED}
   * and waits for the one running. One failed call does not affect the next.
   */
  public CompletableFuture<Map<String, Tensor>> executeAsync(
      String method, Map<String, ?> inputs, Executor executor) {
    Objects.requireNonNull(method, "method");
    Map<String, ?> in = Map.copyOf(inputs);
    return async.submit(() -> owned(() -> execute(method, in)), executor);
  }

  // The copy is taken under the same lock as the call, so no other call (or close) can
  // overwrite or free the outputs between the execute and the copy.
  private synchronized Map<String, Tensor> owned(Supplier<Map<String, Tensor>> call) {
    return OutputMap.copyOf(call.get());
  }

  /**
   * Timing statistics of the executes since the last {@link #resetStats()} (all zero before the
   * first).
   */
  public synchronized InferenceStats inferenceStats() {
    return timing.snapshot();
  }

  /** Forgets all timing so far. */
  public synchronized void resetStats() {
    timing.reset();
  }

  /** Where this model's native memory is and how much of it there is. */
  public synchronized MemoryInfo memoryInfo() {
    ensureOpen();
    return runner.memoryInfo();
  }

  /**
   * The sandbox of this model's worker process ({@link Isolation#PROCESS}, read from the kernel),
   * or empty for a model that runs in this process.
   */
  public synchronized Optional<Sandbox> sandbox() {
    ensureOpen();
    return runner.sandbox();
  }

  /** The worker's process id (isolated models), 0 in process or once the worker is gone. */
  synchronized int workerPid() {
    ensureOpen();
    return runner.workerPid();
  }

  /**
   * The smallest STATIC pool that loads and runs the program at {@code path}: measured by loading
   * it twice (once to bound the need, once in a pool of that bound) with one warm-up execute each,
   * so the per-kernel temp memory is counted too.
   */
  public static long requiredPoolBytes(Path path) {
    return PoolSizing.requiredPoolBytes(Objects.requireNonNull(path, "path"));
  }

  /**
   * Turns the per-operator profiler on or off. The tracer is attached when a method is loaded, so
   * switching reloads the methods (same memory policy); with profiling off no tracer is attached at
   * all and forward costs what it did before.
   */
  public synchronized void enableProfiling(boolean on) {
    ensureOpen();
    if (on == profiling) {
      return;
    }
    if (on) {
      runner.requireProfiling();
    }
    lastRun = null;
    profiling = on;
    runner.loadMethods(on);
  }

  /** Whether the profiler is attached. */
  public synchronized boolean isProfiling() {
    return profiling;
  }

  /**
   * The per-operator profile of the last execute.
   *
   * @throws ExecuTorchException {@link ErrorCode#INVALID_STATE} if profiling is off or nothing ran
   *     since it was turned on
   */
  public synchronized ProfileReport profile() {
    return profiledRun().profile();
  }

  /**
   * The ETDump of every execute of the last-run method since profiling was enabled, in ExecuTorch's
   * devtools format (load it with {@code executorch.devtools.Inspector}).
   *
   * @throws ExecuTorchException {@link ErrorCode#INVALID_STATE} as {@link #profile()}
   */
  public synchronized byte[] etdump() {
    return profiledRun().etdump();
  }

  private LoadedMethod profiledRun() {
    ensureOpen();
    return Profiling.profiled(profiling, lastRun);
  }

  /** The loaded method {@code name} (tests reach the hot path through it). */
  LoadedMethod loadedMethod(String name) {
    return method(name);
  }

  private LoadedMethod method(String name) {
    Objects.requireNonNull(name, "method");
    ensureOpen();
    return runner.require(name);
  }

  private void ensureOpen() {
    if (closed) {
      throw new ExecuTorchException(ErrorCode.CLOSED, "the model is closed");
    }
  }

  /**
   * Frees the methods, then the program, then every native byte this model held. Output views
   * become inaccessible. Idempotent.
   */
  @Override
  public void close() {
    async.close();
    closeNative(); // waits for a running call: both hold this model's monitor
  }

  private synchronized void closeNative() {
    if (closed) {
      return;
    }
    closed = true;
    lastRun = null;
    runner.close();
  }

  @Override
  public String toString() {
    return closed ? "ExecuTorchModel[closed]" : "ExecuTorchModel" + runner.program().methodNames();
  }
}
