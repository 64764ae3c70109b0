package executorch4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-side reader of the {@code .pte} container, written from ExecuTorch's format and schema
 * (not from the library): the flatbuffer's file identifier {@code ET12} at bytes 4..8, the extended
 * header at byte 8 when present ({@code "eh00"}, u32 header length, u64 program_size, u64
 * segment_base_offset, all little-endian), and from {@code schema/program.fbs}: {@code
 * Program{version:uint (0), execution_plan:[ExecutionPlan] (1), constant_buffer (2),
 * backend_delegate_data (3), segments:[DataSegment] (4), ...}}, {@code ExecutionPlan{name:string
 * (0), ...}}, {@code DataSegment{offset:uint64 (0), size:uint64 (1)}} with offsets relative to
 * segment_base_offset. Used as the independent source of expected method order and segment byte
 * ranges.
 */
record PteFile(
    String identifier,
    long programSize,
    long segmentBaseOffset,
    List<String> methodNames,
    List<long[]> segments) {

  static PteFile read(Path path) {
    try {
      return parse(Files.readAllBytes(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PteFile parse(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    String id = new String(bytes, 4, 4, StandardCharsets.US_ASCII);
    String eh = new String(bytes, 8, 4, StandardCharsets.US_ASCII);
    // A program without segments may have no extended header: then it is all flatbuffer.
    boolean extended = eh.equals("eh00");
    long programSize = extended ? b.getLong(16) : bytes.length;
    long base = extended ? b.getLong(24) : 0;
    int root = b.getInt(0);
    List<String> names = new ArrayList<>();
    int plans = field(b, root, 1);
    if (plans != 0) {
      for (int plan : tables(b, plans)) {
        names.add(string(b, field(b, plan, 0)));
      }
    }
    List<long[]> segments = new ArrayList<>();
    int segs = field(b, root, 4);
    if (segs != 0) {
      for (int seg : tables(b, segs)) {
        int off = field(b, seg, 0);
        int size = field(b, seg, 1);
        segments.add(
            new long[] {base + (off == 0 ? 0 : b.getLong(off)), size == 0 ? 0 : b.getLong(size)});
      }
    }
    return new PteFile(id, programSize, base, List.copyOf(names), List.copyOf(segments));
  }

  /**
   * Byte position of the {@code scalar_type} of input {@code input} of the first method, from
   * {@code schema/program.fbs}: {@code ExecutionPlan{name (0), container_meta_type (1),
   * values:[EValue] (2), inputs:[int] (3)}}, {@code EValue{val_type (0), val (1)}}, {@code
   * Tensor{scalar_type:byte (0), ...}}. Returns -1 when the field is absent (the default, uint8, is
   * not stored).
   */
  static int inputScalarTypePosition(byte[] bytes, int input) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int pos = field(b, inputTensor(b, input), 0);
    return pos == 0 ? -1 : pos;
  }

  /** The Tensor table of input {@code input} of the first method (see the two readers here). */
  private static int inputTensor(ByteBuffer b, int input) {
    int plan = tables(b, field(b, b.getInt(0), 1)).getFirst();
    int inputs = field(b, plan, 3);
    int vec = inputs + b.getInt(inputs);
    int valueIndex = b.getInt(vec + 4 + 4 * input);
    int evalue = tables(b, field(b, plan, 2)).get(valueIndex);
    int val = field(b, evalue, 1);
    return val + b.getInt(val);
  }

  /**
   * Byte positions of the {@code sizes} (int32 each) of input {@code input} of the first method:
   * {@code Tensor{scalar_type (0), storage_offset (1), sizes:[int] (2), ...}} in {@code
   * schema/program.fbs}. Rewriting them in place changes the declared shape and nothing else.
   */
  static int[] inputSizesPositions(byte[] bytes, int input) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    return elements(b, field(b, inputTensor(b, input), 2), 4);
  }

  /**
   * Byte positions of the first method's {@code non_const_buffer_sizes} (int64 each; entry 0 is
   * reserved by the exporter): {@code ExecutionPlan{..., delegates (7), non_const_buffer_sizes:
   * [int64] (8)}}.
   */
  static int[] plannedBufferSizesPositions(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int plan = tables(b, field(b, b.getInt(0), 1)).getFirst();
    return elements(b, field(b, plan, 8), 8);
  }

  /** Positions of the scalars of the vector referenced at {@code fieldPos}, each {@code width}. */
  private static int[] elements(ByteBuffer b, int fieldPos, int width) {
    int vec = fieldPos + b.getInt(fieldPos);
    int[] out = new int[b.getInt(vec)];
    for (int i = 0; i < out.length; i++) {
      out[i] = vec + 4 + width * i;
    }
    return out;
  }

  /** Absolute position of field {@code index} of the table at {@code table}, or 0 if absent. */
  private static int field(ByteBuffer b, int table, int index) {
    int vtable = table - b.getInt(table);
    int vtableSize = Short.toUnsignedInt(b.getShort(vtable));
    int slot = 4 + 2 * index;
    if (slot >= vtableSize) {
      return 0;
    }
    int rel = Short.toUnsignedInt(b.getShort(vtable + slot));
    return rel == 0 ? 0 : table + rel;
  }

  /** The tables of the vector referenced at {@code fieldPos}. */
  private static List<Integer> tables(ByteBuffer b, int fieldPos) {
    int vec = fieldPos + b.getInt(fieldPos);
    int n = b.getInt(vec);
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int elem = vec + 4 + 4 * i;
      out.add(elem + b.getInt(elem));
    }
    return out;
  }

  private static String string(ByteBuffer b, int fieldPos) {
    int s = fieldPos + b.getInt(fieldPos);
    int n = b.getInt(s);
    byte[] chars = new byte[n];
    b.get(s + 4, chars);
    return new String(chars, StandardCharsets.UTF_8);
  }
}
