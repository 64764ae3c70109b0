package executorch4j.llm;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an ExecuTorch LLM program says about itself through its constant ("metadata") methods, as
 * written by ExecuTorch's LLM export ({@code get_max_seq_len}, {@code get_bos_id}, {@code
 * get_eos_ids}, {@code use_kv_cache}, ...).
 *
 * <p>These methods return ints and bools, which the core API only reads as tensors, so they are
 * read here from the program's flatbuffer: each such method has no inputs, no instructions and
 * outputs that are constant values.
 *
 * @param values every constant method by name: a {@code Long}, {@code Boolean}, {@code Double} or
 *     {@code String}, or a {@code List} of them when the method has several outputs or a list
 *     output
 */
public record LlmMetadata(Map<String, Object> values) {

  public LlmMetadata {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** {@code get_max_seq_len}: the most tokens one forward call takes. */
  public int maxSeqLen() {
    return (int) requireLong("get_max_seq_len");
  }

  /** {@code get_max_context_len} (the KV cache length), else {@link #maxSeqLen()}. */
  public int maxContextLen() {
    return values.containsKey("get_max_context_len")
        ? (int) requireLong("get_max_context_len")
        : maxSeqLen();
  }

  /** {@code get_bos_id}, if the program has it. */
  public Optional<Integer> bosId() {
    return values.containsKey("get_bos_id")
        ? Optional.of((int) requireLong("get_bos_id"))
        : Optional.empty();
  }

  /** {@code get_eos_ids} (or {@code get_eos_id}); empty if the program has neither. */
  public List<Integer> eosIds() {
    Object v =
        values.containsKey("get_eos_ids") ? values.get("get_eos_ids") : values.get("get_eos_id");
    List<Integer> out = new ArrayList<>();
    if (v instanceof Long l) out.add(l.intValue());
    else if (v instanceof List<?> list)
      for (Object o : list) if (o instanceof Long l) out.add(l.intValue());
    return List.copyOf(out);
  }

  /** {@code use_kv_cache}; false when absent. */
  public boolean useKvCache() {
    return Boolean.TRUE.equals(values.get("use_kv_cache"));
  }

  /** {@code enable_dynamic_shape}: whether forward takes more than one token per call. */
  public boolean enableDynamicShape() {
    return Boolean.TRUE.equals(values.get("enable_dynamic_shape"));
  }

  /** {@code use_sdpa_with_kv_cache}: the program uses ExecuTorch's custom LLM operators. */
  public boolean usesCustomSdpa() {
    return Boolean.TRUE.equals(values.get("use_sdpa_with_kv_cache"));
  }

  /** {@code get_vocab_size}, if present. */
  public Optional<Integer> vocabSize() {
    return values.containsKey("get_vocab_size")
        ? Optional.of((int) requireLong("get_vocab_size"))
        : Optional.empty();
  }

  private long requireLong(String name) {
    Object v = values.get(name);
    if (v instanceof Long l) return l;
    if (v instanceof List<?> list && list.size() == 1 && list.get(0) instanceof Long l) return l;
    throw new ExecuTorchException(
        ErrorCode.NOT_FOUND,
        "the program has no integer metadata method '"
            + name
            + "' (it has "
            + values.keySet()
            + ")");
  }

  /**
   * Reads the constant methods of a {@code .pte} file (memory-mapped; only the flatbuffer header
   * part is touched).
   *
   * @throws ExecuTorchException {@code FILE_NOT_FOUND}, {@code IO_ERROR}, or {@code
   *     INVALID_PROGRAM} when the file is not an ExecuTorch program
   */
  public static LlmMetadata read(Path pte) {
    try (FileChannel ch = FileChannel.open(pte, StandardOpenOption.READ)) {
      ByteBuffer b =
          ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
      return read(b);
    } catch (NoSuchFileException e) {
      throw new ExecuTorchException(ErrorCode.FILE_NOT_FOUND, "model file not found: " + pte, e);
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read " + pte + ": " + e.getMessage(), e);
    }
  }

  /** Reads the constant methods of a program held in a buffer; errors as {@link #read(Path)}. */
  public static LlmMetadata read(ByteBuffer program) {
    ByteBuffer b = program.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (b.limit() < 8 || b.get(4) != 'E' || b.get(5) != 'T') {
        throw new ExecuTorchException(
            ErrorCode.INVALID_PROGRAM, "not an ExecuTorch program (no ET file identifier)");
      }
      Flat fb = new Flat(b);
      int root = fb.deref(0);
      Map<String, Object> out = new LinkedHashMap<>();
      int plans = fb.field(root, 1);
      if (plans == 0) return new LlmMetadata(out);
      int nplans = fb.vectorLength(plans);
      for (int p = 0; p < nplans; p++) {
        int plan = fb.vectorTable(plans, p);
        String name = fb.string(plan, 0);
        int inputs = fb.field(plan, 3), outputs = fb.field(plan, 4), values = fb.field(plan, 2);
        if (name == null
            || outputs == 0
            || values == 0
            || (inputs != 0 && fb.vectorLength(inputs) > 0)) continue;
        List<Object> results = new ArrayList<>();
        boolean constant = true;
        for (int o = 0; o < fb.vectorLength(outputs) && constant; o++) {
          int index = fb.vectorInt(outputs, o);
          if (index < 0 || index >= fb.vectorLength(values))
            throw new IndexOutOfBoundsException("output value " + index);
          Object v = fb.evalue(fb.vectorTable(values, index));
          if (v == null) constant = false;
          else if (v instanceof List<?> l) results.addAll(l);
          else results.add(v);
        }
        if (constant && !results.isEmpty()) {
          boolean listValued = fb.vectorLength(outputs) > 1 || results.size() > 1;
          out.put(name, listValued ? List.copyOf(results) : results.get(0));
        }
      }
      return new LlmMetadata(out);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_PROGRAM, "malformed program flatbuffer: " + e.getMessage(), e);
    }
  }

  /** Just enough of the FlatBuffers wire format to read program.fbs tables, bounds-checked. */
  private record Flat(ByteBuffer b) {
    int deref(int at) {
      long t = at + Integer.toUnsignedLong(b.getInt(at));
      if (t >= b.limit()) throw new IndexOutOfBoundsException("offset " + t);
      return (int) t;
    }

    /** Position of field {@code n} of the table at {@code table}, or 0 when absent. */
    int fieldPos(int table, int n) {
      int vt = table - b.getInt(table);
      int vtSize = Short.toUnsignedInt(b.getShort(vt));
      int slot = 4 + 2 * n;
      if (slot + 2 > vtSize) return 0;
      int off = Short.toUnsignedInt(b.getShort(vt + slot));
      return off == 0 ? 0 : table + off;
    }

    /** The table, vector or string a reference field points to, or 0. */
    int field(int table, int n) {
      int pos = fieldPos(table, n);
      return pos == 0 ? 0 : deref(pos);
    }

    int vectorLength(int vec) {
      int n = b.getInt(vec);
      if (n < 0 || (long) vec + 4 + (long) n > b.limit())
        throw new IndexOutOfBoundsException("vector length " + n);
      return n;
    }

    int vectorTable(int vec, int i) {
      return deref(vec + 4 + 4 * i);
    }

    int vectorInt(int vec, int i) {
      return b.getInt(vec + 4 + 4 * i);
    }

    String string(int table, int n) {
      int s = field(table, n);
      if (s == 0) return null;
      int len = vectorLength(s);
      byte[] bytes = new byte[len];
      b.get(s + 4, bytes);
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A constant EValue (Int, Bool, Double, String, IntList, DoubleList, BoolList), else null. */
    Object evalue(int ev) {
      int typePos = fieldPos(ev, 0);
      int type = typePos == 0 ? 0 : Byte.toUnsignedInt(b.get(typePos));
      int val = field(ev, 1);
      if (val == 0) return null;
      switch (type) {
        case 2:
          { // Int
            int pos = fieldPos(val, 0);
            return pos == 0 ? 0L : b.getLong(pos);
          }
        case 3:
          { // Bool
            int pos = fieldPos(val, 0);
            return pos != 0 && b.get(pos) != 0;
          }
        case 4:
          { // Double
            int pos = fieldPos(val, 0);
            return pos == 0 ? 0.0 : b.getDouble(pos);
          }
        case 6: // String
          return string(val, 0);
        case 7:
        case 8:
        case 9:
          { // IntList, DoubleList, BoolList
            int items = field(val, 0);
            List<Object> out = new ArrayList<>();
            int n = items == 0 ? 0 : vectorLength(items);
            for (int i = 0; i < n; i++) {
              if (type == 7) out.add(b.getLong(items + 4 + 8 * i));
              else if (type == 8) out.add(b.getDouble(items + 4 + 8 * i));
              else out.add(b.get(items + 4 + i) != 0);
            }
            return out;
          }
        default:
          return null;
      }
    }
  }
}
