package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_tensor_input;
import executorch4j.internal.ffi.et_tensor_view;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One loaded method and its hot path: check the inputs against the declared signature, one downcall
 * ({@link #invoke}: in this process or in the worker), wrap the outputs. The native scratch (input
 * descriptors, output views, the elapsed-time slot) is allocated once in the model's arena, and
 * output tensors are reused while the runtime hands back the same memory and shape, so a steady
 * forward allocates nothing on the Java heap. Not thread-safe: the model serializes calls.
 */
abstract sealed class LoadedMethod {
  final MethodMeta meta;
  private final Arena arena;
  private final boolean checkFinite;
  private final long[][] inputShapes;
  private final boolean[][] inputDynamic;
  private final InputStaging staging;
  final MemorySegment inputDescs; // et_tensor_input[n]
  // The descriptors as written, and which Tensor each slot last described: a Tensor is
  // immutable, so passing the same one again needs no check and no write.
  private final long[] inputWords;
  final Tensor[] described;
  final MemorySegment outputViews; // et_tensor_view[m]
  final int outputCount;
  // This call's views and the previous call's, read with one bulk copy each call.
  private long[] viewWords;
  private long[] previousViewWords;
  final MemorySegment elapsed;
  private final OutputMap[] outputMaps = new OutputMap[2];
  private int turn;

  /**
   * @param arena the model's arena: scratch lives in it, and output views die with it
   * @param staging where the inputs the call does not keep alive are copied
   */
  LoadedMethod(MethodMeta meta, Arena arena, boolean checkFinite, InputStaging staging) {
    this.meta = meta;
    this.arena = arena;
    this.checkFinite = checkFinite;
    this.staging = staging;
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
    this.inputWords = new long[Math.max(1, n) * TensorWords.WORDS];
    this.described = new Tensor[n];
    this.viewWords = new long[m * TensorWords.WORDS];
    this.previousViewWords = new long[m * TensorWords.WORDS];
    this.outputViews = et_tensor_view.allocateArray(Math.max(1, m), arena);
    this.outputCount = m;
    this.elapsed = arena.allocate(ValueLayout.JAVA_LONG);
    String[] names = meta.outputNames().toArray(String[]::new);
    outputMaps[0] = new OutputMap(meta.name(), names);
    outputMaps[1] = new OutputMap(meta.name(), names);
  }

  /** Nanoseconds the runtime's execute took in the last successful {@link #run}. */
  long lastNanos() {
    return elapsed.get(ValueLayout.JAVA_LONG, 0);
  }

  /**
   * Inputs by name ({@code input_0..N}): Tensors as they are, arrays converted to the declared
   * dtype and shape.
   */
  Tensor[] inputsByName(Map<String, ?> inputs) {
    List<TensorMeta> declared = meta.inputs();
    for (String key : inputs.keySet()) {
      if (declared.stream().noneMatch(t -> t.name().equals(key))) {
        throw new ExecuTorchException(
            ErrorCode.INPUT_MISMATCH,
            meta.name()
                + ": unknown input '"
                + key
                + "' (inputs: "
                + String.join(", ", meta.inputNames())
                + ")");
      }
    }
    Tensor[] tensors = new Tensor[declared.size()];
    for (int i = 0; i < tensors.length; i++) {
      TensorMeta t = declared.get(i);
      Object v = inputs.get(t.name());
      if (v == null) {
        throw new ExecuTorchException(
            ErrorCode.INPUT_MISMATCH,
            meta.name() + ": missing " + t.name() + " (" + t.signature() + ")");
      }
      tensors[i] = InputConversion.toTensor(t, v);
    }
    return tensors;
  }

  /**
   * Runs the method on positional inputs and returns its outputs (views of the runtime's memory).
   */
  final Map<String, Tensor> run(Tensor[] inputs) {
    int n = described.length;
    if (inputs.length != n) {
      throw new ExecuTorchException(
          ErrorCode.INPUT_MISMATCH,
          meta.name() + ": expected " + n + " inputs, got " + inputs.length);
    }
    boolean changed = false;
    for (int i = 0; i < n && !changed; i++) {
      changed = inputs[i] == null || inputs[i] != described[i];
    }
    if (changed) {
      Arrays.fill(described, null); // a refused input leaves the words half written
      for (int i = 0; i < n; i++) {
        describeInput(i, inputs[i]);
      }
      MemorySegment.copy(
          inputWords, 0, inputDescs, ValueLayout.JAVA_LONG, 0, n * TensorWords.WORDS);
      System.arraycopy(inputs, 0, described, 0, n);
    } else if (checkFinite) {
      for (int i = 0; i < n; i++) {
        checkFinite(i, inputs[i]);
      }
    }
    staging.copy(inputs);
    int status;
    try {
      status = invoke(inputs);
    } catch (IllegalStateException | WrongThreadException e) {
      throw unusableInput(inputs, e);
    }
    if (status != 0) {
      throw forwardError(inputs, status);
    }
    OutputMap previous = outputMaps[turn];
    turn ^= 1;
    OutputMap out = outputMaps[turn];
    Tensor[] tensors = out.tensors();
    Tensor[] last = previous.tensors();
    long[] words = previousViewWords;
    previousViewWords = viewWords;
    viewWords = words;
    MemorySegment.copy(outputViews, ValueLayout.JAVA_LONG, 0, words, 0, words.length);
    for (int j = 0; j < tensors.length; j++) {
      tensors[j] =
          last[j] != null && TensorWords.same(words, previousViewWords, j)
              ? last[j]
              : outputTensor(words, j);
    }
    previous.setCurrent(false);
    out.setCurrent(true);
    return out;
  }

  /**
   * The call itself, on the input descriptors already written and the staged inputs copied: set the
   * inputs, execute, describe the outputs into {@link #outputViews} and the execute's time into
   * {@link #elapsed}. An input it reads from the caller's memory is passed as an argument too, so
   * that FFM keeps it alive for the call and refuses a freed or foreign-thread one
   * (IllegalStateException, WrongThreadException) before any native code runs. Returns the facade's
   * status.
   */
  abstract int invoke(Tensor[] inputs);

  /**
   * A failed call's exception when its cause is known beyond the status (a CUSTOM allocator's
   * failure), else null.
   */
  ExecuTorchException knownFailure(int status) {
    return null;
  }

  /** The per-operator profile of the last execute. */
  abstract ProfileReport profile();

  /** Every execute since the tracer was attached, in ExecuTorch's ETDump format. */
  abstract byte[] etdump();

  /** Frees the native method; its scratch memory goes with the model's arena. */
  abstract void destroy();

  private void describeInput(int i, Tensor x) {
    TensorMeta t = meta.inputs().get(i);
    if (x == null) {
      throw new ExecuTorchException(ErrorCode.INPUT_MISMATCH, t.name() + ": input is null");
    }
    long[] declared = inputShapes[i];
    long[] shape = x.shapeRef();
    boolean fits = x.dtype() == t.dtype() && shape.length == declared.length;
    for (int d = 0; fits && d < shape.length; d++) {
      fits = shape[d] == declared[d] || (shape[d] < declared[d] && inputDynamic[i][d]);
    }
    if (!fits) {
      throw mismatch(t, x, "");
    }
    if (checkFinite) {
      checkFinite(i, x);
    }
    // A freed or foreign-thread segment is refused when it is staged or passed to the downcall
    // (see run), never read through this address unchecked.
    TensorWords.putInput(
        inputWords, i, x.dtype().code(), shape, staging.address(i, x), x.byteSize());
  }

  private void checkFinite(int i, Tensor x) {
    MemorySegment data = x.segment();
    if (x.dtype().isFloatingPoint()
        && data.scope().isAlive()
        && data.isAccessibleBy(Thread.currentThread())) {
      long bad = Elements.firstNonFinite(data, x.dtype());
      if (bad >= 0) {
        throw new ExecuTorchException(
            ErrorCode.INPUT_MISMATCH,
            meta.inputs().get(i).name()
                + ": element "
                + bad
                + " is "
                + Elements.getDouble(data, x.dtype(), bad)
                + " (NaN and infinity are rejected;"
                + " LoadOptions.withFiniteCheck(false) allows them)");
      }
    }
  }

  /**
   * Output {@code j} as a new Tensor over the view in {@code words} (the runtime gave another
   * view).
   */
  private Tensor outputTensor(long[] words, int j) {
    int rank = TensorWords.rank(words, j);
    long[] shape = new long[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = TensorWords.size(words, j, d);
    }
    long nbytes = TensorWords.nbytes(words, j);
    MemorySegment data =
        MemorySegment.ofAddress(TensorWords.address(words, j)).reinterpret(nbytes, arena, null);
    return Tensor.wrap(data, DType.fromCode(TensorWords.dtype(words, j)), shape);
  }

  /** The input whose memory FFM refused: freed, or confined to another thread. */
  private ExecuTorchException unusableInput(Tensor[] inputs, RuntimeException cause) {
    for (int i = 0; i < inputs.length; i++) {
      ExecuTorchException why =
          InputStaging.unusable(meta.inputs().get(i).name(), inputs[i].segment(), cause);
      if (why != null) {
        return why;
      }
    }
    return new ExecuTorchException(
        ErrorCode.INPUT_MISMATCH, "an input's memory cannot be used: " + cause, cause);
  }

  private ExecuTorchException forwardError(Tensor[] inputs, int status) {
    ExecuTorchException known = knownFailure(status);
    if (known != null) {
      return known;
    }
    if (status == ErrorCode.INPUT_MISMATCH.code()) {
      String text = Native.lastError();
      for (int i = 0; i < inputs.length; i++) {
        if (text.startsWith("input_" + i)) {
          return mismatch(
              meta.inputs().get(i), inputs[i], " (refused by the runtime: " + text + ")");
        }
      }
    }
    return Native.error(status, null);
  }

  private static ExecuTorchException mismatch(TensorMeta t, Tensor x, String why) {
    return new ExecuTorchException(
        ErrorCode.INPUT_MISMATCH,
        t.name()
            + ": expected "
            + t.signature()
            + ", got "
            + x.dtype()
            + Tensor.shapeText(x.shape())
            + why);
  }

  /**
   * A method loaded in this process ({@code et_method*}, owned here): run, profiled and measured
   * through the facade.
   */
  static final class InProcess extends LoadedMethod {
    /** Inputs larger than this are not allocated for {@link #primeJit}. */
    static final long PRIME_MAX_BYTES = 16L << 20;

    /** Inputs passed as keep-alive arguments ({@code keep0..keep3}); the rest are staged. */
    static final int KEPT = 4;

    final MemorySegment handle;
    private final AllocatorBridge allocator; // CUSTOM memory, else null

    InProcess(
        MethodMeta meta,
        MemorySegment handle,
        Arena arena,
        boolean checkFinite,
        AllocatorBridge allocator) {
      super(meta, arena, checkFinite, InputStaging.inProcess(meta, arena, KEPT));
      this.handle = handle;
      this.allocator = allocator;
    }

    @Override
    int invoke(Tensor[] inputs) {
      // Input data pointers sit inside structs, which FFM does not keep alive; passing the first
      // segments as (unused) arguments too makes FFM hold their arenas open for the call. The
      // descriptors of the others point at the staging buffers, filled by a checked copy.
      return Et4j.et_method_forward(
          handle,
          inputDescs,
          inputs.length,
          outputViews,
          outputCount,
          elapsed,
          keep(inputs, 0),
          keep(inputs, 1),
          keep(inputs, 2),
          keep(inputs, 3));
    }

    /** Input {@code i}'s segment, NULL past the last input: a keep-alive argument. */
    private static MemorySegment keep(Tensor[] inputs, int i) {
      return i < inputs.length ? inputs[i].segment() : MemorySegment.NULL;
    }

    @Override
    ExecuTorchException knownFailure(int status) {
      return allocator != null && allocator.failed()
          ? allocator.withFailure(Native.error(status, "custom allocator failed during execute"))
          : null;
    }

    /**
     * Runs this call path {@code calls} times with the facade in dry-run mode (no input is read,
     * nothing executes), so that the JIT compiles it before the first real call. Why: a model that
     * takes 10-40 ms per call makes only a few hundred calls in its first seconds, and the JIT
     * compiles fully after about 5,000; until then the path costs 100-300 µs per call more than
     * compiled (measured on bert_mini and mobilenet_v2), 1-3% of the call. The inputs are zeros of
     * the declared shapes (never read), two sets so that both the same-Tensor and the new-Tensor
     * branches are taken. Nothing to do for a method whose inputs would need more than {@link
     * #PRIME_MAX_BYTES}.
     */
    void primeJit(int calls) {
      int n = described.length;
      long bytes = 0;
      try {
        for (TensorMeta t : meta.inputs()) {
          bytes = Math.max(bytes, Tensor.byteSize(t.dtype(), t.shape()));
        }
      } catch (IllegalArgumentException e) {
        return; // a declared size beyond a long (a load with the declared-bytes cap off)
      }
      if (calls <= 0 || bytes > PRIME_MAX_BYTES) {
        return;
      }
      try (Arena tmp = Arena.ofConfined()) {
        MemorySegment zeros = tmp.allocate(Math.max(1, bytes), 64);
        Tensor[][] sets = new Tensor[2][n];
        for (int i = 0; i < n; i++) {
          TensorMeta t = meta.inputs().get(i);
          for (Tensor[] set : sets) {
            set[i] =
                Tensor.wrap(
                    zeros.asSlice(0, Tensor.byteSize(t.dtype(), t.shape())), t.dtype(), t.shape());
          }
        }
        Native.check(Et4j.et_method_set_dry_run(handle, 1));
        try {
          for (int k = 0; k < calls; k++) {
            run(sets[(k >> 4) & 1]);
          }
        } finally {
          Native.check(Et4j.et_method_set_dry_run(handle, 0));
          Arrays.fill(described, null); // their memory goes with tmp
        }
      } catch (ExecuTorchException e) {
        // An output the facade cannot describe (not a tensor): the first real call reports it.
      }
    }

    @Override
    ProfileReport profile() {
      return Profiling.report(handle, meta.name());
    }

    @Override
    byte[] etdump() {
      return Profiling.etdump(handle);
    }

    @Override
    void destroy() {
      Et4j.et_method_destroy(handle);
    }
  }

  /** Method number {@code index} of an isolated model: run by its worker process, which owns it. */
  static final class Isolated extends LoadedMethod {
    private final WorkerProcess worker;
    private final int index;

    Isolated(MethodMeta meta, WorkerProcess worker, int index, Arena arena, boolean checkFinite) {
      super(
          meta,
          arena,
          checkFinite,
          InputStaging.isolated(meta, worker.inputSlots(index, meta, arena)));
      this.worker = worker;
      this.index = index;
    }

    @Override
    int invoke(Tensor[] inputs) {
      // Every input is in its shared slot already (staged by a checked copy), and each
      // descriptor points at its slot, so the client copies none and reads no caller memory.
      return Et4j.et_worker_forward(
          worker.handle, index, inputDescs, inputs.length, outputViews, outputCount, elapsed);
    }

    @Override
    ProfileReport profile() {
      throw notInWorker("profiling");
    }

    @Override
    byte[] etdump() {
      throw notInWorker("profiling");
    }

    @Override
    void destroy() {
      // The worker frees it when it exits.
    }

    /** What an isolated model cannot do: its runtime state is in another process. */
    static ExecuTorchException notInWorker(String what) {
      return new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED, what + " is not available for an isolated model");
    }
  }
}
