package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_tensor_input;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** A method loaded in this process ({@code et_method*}, owned here): run, profiled and measured through the facade. */
final class InProcessMethod extends LoadedMethod {
  /** Inputs larger than this are not allocated for {@link #primeJit}. */
  static final long PRIME_MAX_BYTES = 16L << 20;

  final MemorySegment handle;
  private final AllocatorBridge allocator; // CUSTOM memory, else null

  InProcessMethod(MethodMeta meta, MemorySegment handle, Arena arena, boolean checkFinite, AllocatorBridge allocator) {
    super(meta, arena, checkFinite);
    this.handle = handle;
    this.allocator = allocator;
  }

  @Override
  int invoke(Tensor[] inputs) {
    int n = inputs.length;
    if (n <= 4) {
      // Input data pointers sit inside structs, which FFM does not keep alive; passing the
      // segments as (unused) arguments too makes FFM hold their arenas open for the call.
      return Et4j.et_method_forward(handle, inputDescs, n, outputViews, outputView.length, elapsed,
          keep(inputs, 0), keep(inputs, 1), keep(inputs, 2), keep(inputs, 3));
    }
    return forwardInputByInput(inputs);
  }

  /** More than four inputs: one set_input downcall each (data passed as an argument). */
  private int forwardInputByInput(Tensor[] inputs) {
    for (int i = 0; i < inputs.length; i++) {
      MemorySegment desc = inputDesc[i];
      int status = Et4j.et_method_set_input(handle, i, et_tensor_input.dtype(desc),
          et_tensor_input.sizes(desc), et_tensor_input.rank(desc), inputs[i].segment(), inputs[i].byteSize());
      if (status != 0) {
        return status;
      }
    }
    int status = Et4j.et_method_execute(handle, elapsed);
    for (int j = 0; status == 0 && j < outputView.length; j++) {
      status = Et4j.et_method_output(handle, j, outputView[j]);
    }
    return status;
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
   * branches are taken. Nothing to do for a method with more than four inputs (its path has no
   * dry run), or one whose inputs would need more than {@link #PRIME_MAX_BYTES}.
   */
  void primeJit(int calls) {
    int n = inputDesc.length;
    long bytes = 0;
    for (TensorMeta t : meta.inputs()) {
      bytes = Math.max(bytes, t.numel() * t.dtype().byteSize());
    }
    if (n > 4 || calls <= 0 || bytes > PRIME_MAX_BYTES) {
      return;
    }
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment zeros = tmp.allocate(Math.max(1, bytes), 64);
      Tensor[][] sets = new Tensor[2][n];
      for (int i = 0; i < n; i++) {
        TensorMeta t = meta.inputs().get(i);
        for (Tensor[] set : sets) {
          set[i] = Tensor.wrap(zeros.asSlice(0, t.numel() * t.dtype().byteSize()), t.dtype(), t.shape());
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
    return Profiling.report(this);
  }

  @Override
  byte[] etdump() {
    return Profiling.etdump(this);
  }

  @Override
  void destroy() {
    Et4j.et_method_destroy(handle);
  }
}
