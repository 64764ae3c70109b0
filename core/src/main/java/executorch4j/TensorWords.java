package executorch4j;

import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_tensor_input;
import executorch4j.internal.ffi.et_tensor_view;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The facade's {@code et_tensor_input} and {@code et_tensor_view} as runs of 64-bit words, so the
 * hot path moves each array of them with one bulk copy instead of a struct accessor per field.
 *
 * <p>Why: accessors are VarHandle chains, cheap once the JIT has compiled the caller but slow
 * before, and a model that takes 10-40 ms per call runs its first few hundred calls interpreted and
 * the next thousands in the profiling tier (measured on bert_mini: 150-450 µs per call outside the
 * runtime's execute, against 20 µs for the C++ runner on the same facade).
 *
 * <p>Both structs are {@code {int32 dtype; int32 rank; int64 sizes[ET_MAX_RANK]; void *data; int64
 * nbytes}}; the class checks that against the generated layouts when it loads.
 */
final class TensorWords {
  /** Words per struct. */
  static final int WORDS;

  private static final int SIZES = 1;
  private static final int DATA;
  private static final int NBYTES;

  static {
    GroupLayout in = et_tensor_input.layout();
    WORDS = Math.toIntExact(in.byteSize() / 8);
    DATA = Math.toIntExact(in.byteOffset(PathElement.groupElement("data")) / 8);
    NBYTES = Math.toIntExact(in.byteOffset(PathElement.groupElement("nbytes")) / 8);
    for (GroupLayout g : new GroupLayout[] {in, et_tensor_view.layout()}) {
      boolean same =
          g.byteSize() == 8L * WORDS
              && g.byteOffset(PathElement.groupElement("dtype")) == 0
              && g.byteOffset(PathElement.groupElement("rank")) == 4
              && g.byteOffset(PathElement.groupElement("sizes")) == 8L * SIZES
              && g.byteOffset(PathElement.groupElement("data")) == 8L * DATA
              && g.byteOffset(PathElement.groupElement("nbytes")) == 8L * NBYTES
              && DATA - SIZES == Et4j.ET_MAX_RANK();
      // dtype in the low half of word 0 and rank in the high half holds on little-endian only
      // (every platform with natives).
      if (!same || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new IllegalStateException(
            "unexpected layout of " + g + " on " + ByteOrder.nativeOrder());
      }
    }
  }

  private TensorWords() {}

  /** Writes one {@code et_tensor_input} at struct {@code index} of {@code words}. */
  static void putInput(
      long[] words, int index, int dtype, long[] shape, long address, long nbytes) {
    int base = index * WORDS;
    words[base] = (dtype & 0xffffffffL) | ((long) shape.length << 32);
    System.arraycopy(shape, 0, words, base + SIZES, shape.length);
    words[base + DATA] = address;
    words[base + NBYTES] = nbytes;
  }

  static int dtype(long[] words, int index) {
    return (int) words[index * WORDS];
  }

  static int rank(long[] words, int index) {
    return (int) (words[index * WORDS] >>> 32);
  }

  static long size(long[] words, int index, int dim) {
    return words[index * WORDS + SIZES + dim];
  }

  static long address(long[] words, int index) {
    return words[index * WORDS + DATA];
  }

  static long nbytes(long[] words, int index) {
    return words[index * WORDS + NBYTES];
  }

  /** Whether struct {@code index} holds the same words in {@code a} and {@code b}. */
  static boolean same(long[] a, long[] b, int index) {
    int from = index * WORDS;
    return Arrays.equals(a, from, from + WORDS, b, from, from + WORDS);
  }
}
