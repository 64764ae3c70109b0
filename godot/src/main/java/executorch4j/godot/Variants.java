package executorch4j.godot;

import static executorch4j.godot.Gd.F64;
import static executorch4j.godot.Gd.I64;
import static executorch4j.godot.Gd.U8;

import executorch4j.DType;
import executorch4j.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between Godot values and Java values: NIL ↔ null, bool ↔ Boolean, int ↔ Long, float ↔
 * Double, String/StringName ↔ String, Dictionary ↔ Map, Array ↔ List, PackedByteArray ↔ byte[],
 * PackedInt32Array ↔ int[], PackedInt64Array ↔ long[], PackedFloat64Array ↔ double[],
 * PackedStringArray ↔ String[], and PackedFloat32Array → {@link FloatView} (zero-copy, valid for
 * the call) / float[] or {@link Tensor} → PackedFloat32Array.
 */
final class Variants {
  /**
   * How deep Arrays and Dictionaries may nest in a value read from Godot. A tensor of rank r is r
   * levels, and ExecuTorch's rank limit is 16; without a bound an Array that contains itself would
   * recurse until the thread's stack overflows, inside a Godot call.
   */
  static final int MAX_DEPTH = 64;

  private final Gd gd;

  Variants(Gd gd) {
    this.gd = gd;
  }

  /** A PackedFloat32Array's memory, valid only while the Godot value it came from lives. */
  record FloatView(MemorySegment data) {
    long length() {
      return data.byteSize() / 4;
    }

    float[] toArray() {
      return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }
  }

  // ------------------------------------------------------------ reading

  /** The Java value of the Variant at v. */
  Object read(MemorySegment v) {
    return read(v, 0);
  }

  private Object read(MemorySegment v, int depth) {
    int id = gd.api.variantGetType(v);
    GType t = GType.of(id);
    if (t == null || t == GType.OBJECT) {
      throw new IllegalArgumentException(
          "values of Variant type " + id + " are not supported here");
    }
    if (t == GType.NIL) {
      return null;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment value = a.allocate(Math.max(8, t.size), 8);
      gd.variantTo(t, value, v);
      try {
        return readValue(t, value, depth);
      } finally {
        if (t.isBuiltinObject()) {
          gd.destroy(t, value);
        }
      }
    }
  }

  /** The Java value of a builtin of type t at p (a ptrcall argument or an unwrapped Variant). */
  Object readValue(GType t, MemorySegment p) {
    return readValue(t, p, 0);
  }

  private Object readValue(GType t, MemorySegment p, int depth) {
    if ((t == GType.ARRAY || t == GType.DICTIONARY) && depth >= MAX_DEPTH) {
      throw new IllegalArgumentException(
          "an Array or Dictionary nested more than "
              + MAX_DEPTH
              + " levels deep (does it contain itself?): pass each input as a flat or"
              + " shape-nested Array, or a Packed*Array");
    }
    return switch (t) {
      case NIL -> read(p, depth); // a Variant-typed argument
      case BOOL -> p.get(U8, 0) != 0;
      case INT -> p.get(I64, 0);
      case FLOAT -> p.get(F64, 0);
      case STRING -> gd.readString(p);
      case STRING_NAME -> stringNameText(p);
      case DICTIONARY -> readDictionary(p, depth + 1);
      case ARRAY -> readArray(p, depth + 1);
      case PACKED_FLOAT32_ARRAY -> new FloatView(packedData(t, p, 4));
      case PACKED_BYTE_ARRAY -> packedData(t, p, 1).toArray(ValueLayout.JAVA_BYTE);
      case PACKED_INT32_ARRAY -> packedData(t, p, 4).toArray(ValueLayout.JAVA_INT_UNALIGNED);
      case PACKED_INT64_ARRAY -> packedData(t, p, 8).toArray(ValueLayout.JAVA_LONG_UNALIGNED);
      case PACKED_FLOAT64_ARRAY -> packedData(t, p, 8).toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
      case PACKED_STRING_ARRAY -> readStringArray(p);
      default -> throw new IllegalArgumentException("unsupported type " + t);
    };
  }

  /** A StringName's text, through a String built by String's StringName constructor. */
  private String stringNameText(MemorySegment sn) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(GType.STRING.size, 8);
      gd.stringFromStringName(s, sn);
      try {
        return gd.readString(s);
      } finally {
        gd.destroy(GType.STRING, s);
      }
    }
  }

  /** The elements of a packed array, in place (no copy). */
  MemorySegment packedData(GType t, MemorySegment arr, int elementSize) {
    long n = gd.size(t, arr);
    if (n == 0) {
      return MemorySegment.NULL.reinterpret(0);
    }
    MemorySegment first = element(t, arr, true);
    return first.reinterpret(n * elementSize);
  }

  private String[] readStringArray(MemorySegment arr) {
    long n = gd.size(GType.PACKED_STRING_ARRAY, arr);
    String[] out = new String[(int) n];
    for (int i = 0; i < n; i++) {
      MemorySegment s = gd.api.packedStringArrayOperatorIndexConst(arr, i);
      out[i] = gd.readString(s.reinterpret(8));
    }
    return out;
  }

  private List<Object> readArray(MemorySegment arr, int depth) {
    long n = gd.size(GType.ARRAY, arr);
    List<Object> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      MemorySegment v = gd.api.arrayOperatorIndexConst(arr, i);
      out.add(read(v.reinterpret(GType.VARIANT_SIZE), depth));
    }
    return out;
  }

  private Map<Object, Object> readDictionary(MemorySegment dict, int depth) {
    Map<Object, Object> out = new LinkedHashMap<>();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment keys = a.allocate(GType.ARRAY.size, 8);
      gd.construct(GType.ARRAY, keys);
      try {
        gd.builtin(GType.DICTIONARY, "keys", Gd.HASH_KEYS, dict, MemorySegment.NULL, keys, 0);
        long n = gd.size(GType.ARRAY, keys);
        for (long i = 0; i < n; i++) {
          MemorySegment k = gd.api.arrayOperatorIndexConst(keys, i).reinterpret(GType.VARIANT_SIZE);
          MemorySegment v = gd.api.dictionaryOperatorIndexConst(dict, k);
          out.put(
              read(k, depth),
              v.equals(MemorySegment.NULL) ? null : read(v.reinterpret(GType.VARIANT_SIZE), depth));
        }
      } finally {
        gd.destroy(GType.ARRAY, keys);
      }
    }
    return out;
  }

  // ------------------------------------------------------------ writing

  /** The Godot type a Java value becomes. */
  static GType typeOf(Object o) {
    return switch (o) {
      case null -> GType.NIL;
      case Boolean b -> GType.BOOL;
      case Long l -> GType.INT;
      case Integer i -> GType.INT;
      case Double d -> GType.FLOAT;
      case Float f -> GType.FLOAT;
      case String s -> GType.STRING;
      case Map<?, ?> m -> GType.DICTIONARY;
      case List<?> l -> GType.ARRAY;
      case byte[] b -> GType.PACKED_BYTE_ARRAY;
      case int[] i -> GType.PACKED_INT32_ARRAY;
      case long[] l -> GType.PACKED_INT64_ARRAY;
      case float[] f -> GType.PACKED_FLOAT32_ARRAY;
      case double[] d -> GType.PACKED_FLOAT64_ARRAY;
      case String[] s -> GType.PACKED_STRING_ARRAY;
      case Tensor t -> packedTypeOf(t.dtype());
      default ->
          throw new IllegalArgumentException("cannot give Godot a " + o.getClass().getSimpleName());
    };
  }

  static GType packedTypeOf(DType d) {
    return switch (d) {
      // Complex: interleaved (real, imaginary) pairs; uint16 in ints (0..65535), uint32 in int64s,
      // uint64 as its 64 bits in int64s; raw storage (float8, quantized, bit-packed) as its bytes.
      case FLOAT32, FLOAT16, BFLOAT16, COMPLEX32, COMPLEX64 -> GType.PACKED_FLOAT32_ARRAY;
      case FLOAT64, COMPLEX128 -> GType.PACKED_FLOAT64_ARRAY;
      case INT64, UINT32, UINT64 -> GType.PACKED_INT64_ARRAY;
      case INT32, INT16, UINT16 -> GType.PACKED_INT32_ARRAY;
      case INT8,
          UINT8,
          BOOL,
          QINT8,
          QUINT8,
          QINT32,
          QUINT4X2,
          QUINT2X4,
          BITS1X8,
          BITS2X4,
          BITS4X2,
          BITS8,
          BITS16,
          FLOAT8_E5M2,
          FLOAT8_E4M3FN,
          FLOAT8_E5M2FNUZ,
          FLOAT8_E4M3FNUZ ->
          GType.PACKED_BYTE_ARRAY;
    };
  }

  /** Constructs the Java value as a Variant at the uninitialized `variant`. */
  void write(Object o, MemorySegment variant) {
    GType t = typeOf(o);
    if (t == GType.NIL) {
      gd.api.variantNewNil(variant);
      return;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment value = a.allocate(Math.max(8, t.size), 8);
      writeValue(o, t, value, a);
      gd.variantFrom(t, variant, value);
      if (t.isBuiltinObject()) {
        gd.destroy(t, value);
      }
    }
  }

  /** Constructs the Java value as a builtin of type t at the uninitialized `value`. */
  void writeValue(Object o, GType t, MemorySegment value, Arena a) {
    switch (t) {
      case BOOL -> value.set(U8, 0, (byte) (((Boolean) o) ? 1 : 0));
      case INT -> value.set(I64, 0, ((Number) o).longValue());
      case FLOAT -> value.set(F64, 0, ((Number) o).doubleValue());
      case STRING -> gd.newString(value, (String) o, a);
      case DICTIONARY -> {
        gd.construct(t, value);
        for (var e : ((Map<?, ?>) o).entrySet()) {
          MemorySegment k = a.allocate(GType.VARIANT_SIZE, 8);
          MemorySegment v = a.allocate(GType.VARIANT_SIZE, 8);
          write(e.getKey(), k);
          write(e.getValue(), v);
          MemorySegment slot =
              gd.api.dictionaryOperatorIndex(value, k).reinterpret(GType.VARIANT_SIZE);
          gd.api.variantDestroy(slot);
          gd.api.variantNewCopy(slot, v);
          gd.api.variantDestroy(k);
          gd.api.variantDestroy(v);
        }
      }
      case ARRAY -> {
        List<?> list = (List<?>) o;
        gd.construct(t, value);
        gd.resize(t, value, list.size());
        for (int i = 0; i < list.size(); i++) {
          MemorySegment slot = gd.api.arrayOperatorIndex(value, i).reinterpret(GType.VARIANT_SIZE);
          gd.api.variantDestroy(slot);
          write(list.get(i), slot);
        }
      }
      case PACKED_STRING_ARRAY -> {
        String[] strings = (String[]) o;
        gd.construct(t, value);
        gd.resize(t, value, strings.length);
        for (int i = 0; i < strings.length; i++) {
          MemorySegment slot = gd.api.packedStringArrayOperatorIndex(value, i).reinterpret(8);
          gd.destroy(GType.STRING, slot);
          gd.newString(slot, strings[i], a);
        }
      }
      default -> writePacked(o, t, value);
    }
  }

  /** A numeric packed array, filled straight in its own memory (one copy). */
  private void writePacked(Object o, GType t, MemorySegment value) {
    MemorySegment src;
    int elem;
    if (o instanceof Tensor tensor) {
      src = packedBytes(tensor, t);
      elem =
          switch (t) {
            case PACKED_BYTE_ARRAY -> 1;
            case PACKED_INT64_ARRAY, PACKED_FLOAT64_ARRAY -> 8;
            default -> 4;
          };
    } else {
      src =
          switch (o) {
            case byte[] b -> MemorySegment.ofArray(b);
            case int[] i -> MemorySegment.ofArray(i);
            case long[] l -> MemorySegment.ofArray(l);
            case float[] f -> MemorySegment.ofArray(f);
            case double[] d -> MemorySegment.ofArray(d);
            default -> throw new IllegalArgumentException("not a packed array: " + o);
          };
      elem = o instanceof byte[] ? 1 : o instanceof long[] || o instanceof double[] ? 8 : 4;
    }
    gd.construct(t, value);
    long n = src.byteSize() / elem;
    gd.resize(t, value, n);
    if (n > 0) {
      MemorySegment dst = element(t, value, false).reinterpret(n * elem);
      dst.copyFrom(src);
    }
  }

  /**
   * A pointer to element 0 of a numeric packed array (its data), through the type's own index
   * function.
   */
  private MemorySegment element(GType t, MemorySegment arr, boolean constant) {
    GdInterface f = gd.api;
    return switch (t) {
      case PACKED_BYTE_ARRAY ->
          constant
              ? f.packedByteArrayOperatorIndexConst(arr, 0)
              : f.packedByteArrayOperatorIndex(arr, 0);
      case PACKED_INT32_ARRAY ->
          constant
              ? f.packedInt32ArrayOperatorIndexConst(arr, 0)
              : f.packedInt32ArrayOperatorIndex(arr, 0);
      case PACKED_INT64_ARRAY ->
          constant
              ? f.packedInt64ArrayOperatorIndexConst(arr, 0)
              : f.packedInt64ArrayOperatorIndex(arr, 0);
      case PACKED_FLOAT32_ARRAY ->
          constant
              ? f.packedFloat32ArrayOperatorIndexConst(arr, 0)
              : f.packedFloat32ArrayOperatorIndex(arr, 0);
      case PACKED_FLOAT64_ARRAY ->
          constant
              ? f.packedFloat64ArrayOperatorIndexConst(arr, 0)
              : f.packedFloat64ArrayOperatorIndex(arr, 0);
      default -> throw new IllegalArgumentException("not a numeric packed array: " + t);
    };
  }

  /** Argument i (of `size` bytes) of a virtual or ptrcall: args is an array of pointers. */
  static MemorySegment arg(MemorySegment args, int i, long size) {
    return args.reinterpret(8L * (i + 1)).getAtIndex(ValueLayout.ADDRESS, i).reinterpret(size);
  }

  /** Replaces the initialized typed (or, for NIL, Variant) return value at ret with `value`. */
  void replace(GType t, MemorySegment ret, Object value) {
    MemorySegment r = ret.reinterpret(t == GType.NIL ? GType.VARIANT_SIZE : Math.max(8, t.size));
    if (t == GType.NIL) {
      gd.api.variantDestroy(r);
      write(value, r);
      return;
    }
    if (t.isBuiltinObject()) {
      gd.destroy(t, r);
    }
    try (Arena a = Arena.ofConfined()) {
      writeValue(value, t, r, a);
    }
  }

  /** A tensor's data in the element type of its packed array (converted only when needed). */
  private static MemorySegment packedBytes(Tensor tensor, GType t) {
    DType d = tensor.dtype();
    if ((t == GType.PACKED_FLOAT32_ARRAY && (d == DType.FLOAT32 || d == DType.COMPLEX64))
        || (t == GType.PACKED_FLOAT64_ARRAY && (d == DType.FLOAT64 || d == DType.COMPLEX128))
        || (t == GType.PACKED_INT64_ARRAY && (d == DType.INT64 || d == DType.UINT64))
        || (t == GType.PACKED_INT32_ARRAY && d == DType.INT32)
        || t == GType.PACKED_BYTE_ARRAY) {
      return tensor.segment(); // bytes as they are (raw storage of any element size included)
    }
    return switch (t) {
      case PACKED_FLOAT32_ARRAY -> MemorySegment.ofArray(tensor.toFloatArray());
      case PACKED_INT32_ARRAY -> MemorySegment.ofArray(tensor.toIntArray());
      case PACKED_INT64_ARRAY -> MemorySegment.ofArray(tensor.toLongArray());
      default -> throw new IllegalArgumentException("no packed array for " + d);
    };
  }
}
