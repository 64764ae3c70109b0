package executorch4j.godot;

/**
 * The Godot Variant types this extension exchanges, with their ids and value sizes (4.3, 64-bit).
 */
enum GType {
  NIL(0, 24),
  BOOL(1, 1),
  INT(2, 8),
  FLOAT(3, 8),
  STRING(4, 8),
  STRING_NAME(21, 8),
  OBJECT(24, 8),
  DICTIONARY(27, 8),
  ARRAY(28, 8),
  PACKED_BYTE_ARRAY(29, 16),
  PACKED_INT32_ARRAY(30, 16),
  PACKED_INT64_ARRAY(31, 16),
  PACKED_FLOAT32_ARRAY(32, 16),
  PACKED_FLOAT64_ARRAY(33, 16),
  PACKED_STRING_ARRAY(34, 16);

  /** sizeof(Variant) in a 64-bit float_64 build. */
  static final long VARIANT_SIZE = 24;

  final int id;
  final long size;

  GType(int id, long size) {
    this.id = id;
    this.size = size;
  }

  /** Reference-counted builtins that need a constructor and destructor. */
  boolean isBuiltinObject() {
    return this != NIL && this != BOOL && this != INT && this != FLOAT && this != OBJECT;
  }

  boolean isPacked() {
    return id >= 29 && id <= 34;
  }

  static GType of(int id) {
    for (GType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    return null;
  }
}
