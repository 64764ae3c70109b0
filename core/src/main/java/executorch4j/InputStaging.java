package executorch4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Copies the inputs a call cannot keep alive into memory that lives as long as the method, before
 * the call: every input of an isolated method (into its slot in the memory shared with the worker),
 * and in process each input past the fourth (into a buffer of the method's own).
 *
 * <p>Why: FFM keeps a segment's memory alive for a downcall, and refuses a freed one, only when the
 * segment is an argument; an address written into an input descriptor is neither checked nor kept.
 * {@code et_method_forward} has four such keep-alive arguments. {@link MemorySegment#copy} is
 * checked, so a freed input fails here with {@link ErrorCode#CLOSED} before any native code reads
 * it, for any number of inputs, and the descriptors point only at memory owned by the method.
 */
final class InputStaging {
  private final List<TensorMeta> declared;
  // Where input i is copied, or null: passed as it is (a keep-alive argument of the call).
  private final MemorySegment[] dest;

  private InputStaging(List<TensorMeta> declared, MemorySegment[] dest) {
    this.declared = declared;
    this.dest = dest;
  }

  /**
   * In process: inputs from {@code kept} on get a buffer in {@code arena} sized to the declared
   * shape (the upper bound of a dynamic one).
   */
  static InputStaging inProcess(MethodMeta meta, Arena arena, int kept) {
    List<TensorMeta> inputs = meta.inputs();
    MemorySegment[] dest = new MemorySegment[inputs.size()];
    for (int i = kept; i < dest.length; i++) {
      TensorMeta t = inputs.get(i);
      long bytes = Tensor.byteSize(t.dtype(), t.shape());
      dest[i] = arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
    }
    return new InputStaging(inputs, dest);
  }

  /** Isolated: every input goes to its shared slot ({@code slots[i]}, sized to its capacity). */
  static InputStaging isolated(MethodMeta meta, MemorySegment[] slots) {
    return new InputStaging(meta.inputs(), slots.clone());
  }

  /** The address input {@code i}'s descriptor points at: its destination, else its own data. */
  long address(int i, Tensor x) {
    MemorySegment d = dest[i];
    return d != null ? d.address() : x.segment().address();
  }

  /**
   * Copies every staged input to its destination. Throws {@link ErrorCode#CLOSED} for a freed
   * input, {@link ErrorCode#INPUT_MISMATCH} for one confined to another thread or larger than its
   * destination. Called on every call: a Tensor's memory may be written between calls.
   */
  void copy(Tensor[] inputs) {
    for (int i = 0; i < dest.length; i++) {
      MemorySegment d = dest[i];
      if (d == null) {
        continue;
      }
      MemorySegment src = inputs[i].segment();
      long bytes = src.byteSize();
      if (bytes > d.byteSize()) {
        throw new ExecuTorchException(
            ErrorCode.INPUT_MISMATCH,
            declared.get(i).name()
                + ": "
                + bytes
                + " bytes, more than the "
                + d.byteSize()
                + " its declared shape holds");
      }
      try {
        MemorySegment.copy(src, 0, d, 0, bytes);
      } catch (IllegalStateException | WrongThreadException e) {
        String name = declared.get(i).name();
        ExecuTorchException why = unusable(name, src, e);
        throw why != null
            ? why
            : new ExecuTorchException(
                ErrorCode.INPUT_MISMATCH, name + ": its memory cannot be read: " + e, e);
      }
    }
  }

  /**
   * Why FFM refused input {@code name}'s memory: freed ({@link ErrorCode#CLOSED}), or confined to
   * another thread. Null when neither is so.
   */
  static ExecuTorchException unusable(String name, MemorySegment data, RuntimeException cause) {
    if (!data.scope().isAlive()) {
      return new ExecuTorchException(
          ErrorCode.CLOSED, name + ": the tensor's memory was freed (its arena is closed)", cause);
    }
    if (!data.isAccessibleBy(Thread.currentThread())) {
      return new ExecuTorchException(
          ErrorCode.INPUT_MISMATCH,
          name + ": the tensor's memory is confined to another thread",
          cause);
    }
    return null;
  }
}
