package executorch4j;

/**
 * Element types of ExecuTorch tensors: every {@code ScalarType} of ExecuTorch 1.5.1 ({@code
 * runtime/core/portable_type/scalar_type.h}). {@link #code()} is the c10 value the runtime uses
 * (stable across PyTorch releases).
 *
 * <p>What each kind converts to in {@link Tensor}:
 *
 * <ul>
 *   <li><b>Numeric</b> (int, uint, float, bool): {@code toFloatArray}, {@code toDoubleArray},
 *       {@code toLongArray}, {@code toIntArray} with these rules for unsigned types: uint8 and
 *       uint16 give their value (0..255, 0..65535) in an {@code int}; uint32 gives its value
 *       (0..4294967295) in a {@code long} ({@code toIntArray} throws: an int cannot hold it);
 *       uint64 gives a {@code long} holding the same 64 bits (values from 2^63 up read as negative:
 *       use {@link Long#toUnsignedString(long)} / {@link Long#compareUnsigned}); its {@code
 *       toDoubleArray} gives the unsigned value, rounded.
 *   <li><b>Complex</b> (complex32, complex64, complex128): interleaved pairs, element {@code k}'s
 *       real part at {@code 2k} and imaginary part at {@code 2k+1}, through {@code toFloatArray} /
 *       {@code toDoubleArray} (arrays twice as long as {@code numel()}); integer conversions throw.
 *   <li><b>Raw storage</b> (float8 variants, quantized {@code qint8}/{@code quint8}/{@code qint32},
 *       packed {@code quint4x2}/{@code quint2x4}, {@code bits*}): bytes only, through {@code
 *       toByteArray()}; the runtime keeps no scale or zero point with them, so a value conversion
 *       throws {@link ErrorCode#UNSUPPORTED_DTYPE} naming the dtype.
 * </ul>
 *
 * Metadata and inspection accept every dtype; only a conversion that cannot be represented throws.
 */
public enum DType {
  UINT8(0, 1, "uint8", Kind.UNSIGNED),
  INT8(1, 1, "int8", Kind.SIGNED),
  INT16(2, 2, "int16", Kind.SIGNED),
  INT32(3, 4, "int32", Kind.SIGNED),
  INT64(4, 8, "int64", Kind.SIGNED),
  FLOAT16(5, 2, "float16", Kind.FLOAT),
  FLOAT32(6, 4, "float32", Kind.FLOAT),
  FLOAT64(7, 8, "float64", Kind.FLOAT),
  /** Two float16 halves (PyTorch {@code complex32} / {@code ComplexHalf}). */
  COMPLEX32(8, 4, "complex32", Kind.COMPLEX),
  /** Two float32 halves ({@code ComplexFloat}). */
  COMPLEX64(9, 8, "complex64", Kind.COMPLEX),
  /** Two float64 halves ({@code ComplexDouble}). */
  COMPLEX128(10, 16, "complex128", Kind.COMPLEX),
  BOOL(11, 1, "bool", Kind.BOOL),
  QINT8(12, 1, "qint8", Kind.RAW),
  QUINT8(13, 1, "quint8", Kind.RAW),
  QINT32(14, 4, "qint32", Kind.RAW),
  BFLOAT16(15, 2, "bfloat16", Kind.FLOAT),
  /** Two 4-bit unsigned quantized values per byte. */
  QUINT4X2(16, 1, "quint4x2", Kind.RAW),
  /** Four 2-bit unsigned quantized values per byte. */
  QUINT2X4(17, 1, "quint2x4", Kind.RAW),
  BITS1X8(18, 1, "bits1x8", Kind.RAW),
  BITS2X4(19, 1, "bits2x4", Kind.RAW),
  BITS4X2(20, 1, "bits4x2", Kind.RAW),
  BITS8(21, 1, "bits8", Kind.RAW),
  BITS16(22, 2, "bits16", Kind.RAW),
  FLOAT8_E5M2(23, 1, "float8_e5m2", Kind.RAW),
  FLOAT8_E4M3FN(24, 1, "float8_e4m3fn", Kind.RAW),
  FLOAT8_E5M2FNUZ(25, 1, "float8_e5m2fnuz", Kind.RAW),
  FLOAT8_E4M3FNUZ(26, 1, "float8_e4m3fnuz", Kind.RAW),
  UINT16(27, 2, "uint16", Kind.UNSIGNED),
  UINT32(28, 4, "uint32", Kind.UNSIGNED),
  UINT64(29, 8, "uint64", Kind.UNSIGNED);

  /** How the elements of a dtype read as Java values (see the class comment). */
  public enum Kind {
    SIGNED,
    UNSIGNED,
    FLOAT,
    BOOL,
    COMPLEX,
    RAW
  }

  private static final DType[] BY_CODE = new DType[30];

  static {
    for (DType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;
  private final int byteSize;
  private final String label;
  private final Kind kind;

  DType(int code, int byteSize, String label, Kind kind) {
    this.code = code;
    this.byteSize = byteSize;
    this.label = label;
    this.kind = kind;
  }

  /** The runtime's ScalarType code. */
  public int code() {
    return code;
  }

  /** Bytes per element (for packed types, per storage element: one byte holds several values). */
  public int byteSize() {
    return byteSize;
  }

  /** PyTorch-style name, e.g. {@code float32}. */
  public String label() {
    return label;
  }

  /** How elements convert to Java values. */
  public Kind kind() {
    return kind;
  }

  /** True for float16, bfloat16, float32 and float64 (not complex, not float8). */
  public boolean isFloatingPoint() {
    return kind == Kind.FLOAT;
  }

  /** True for uint8, uint16, uint32 and uint64. */
  public boolean isUnsigned() {
    return kind == Kind.UNSIGNED;
  }

  /** True for complex32, complex64 and complex128 (elements are real/imaginary pairs). */
  public boolean isComplex() {
    return kind == Kind.COMPLEX;
  }

  /** True for types read only as raw bytes: float8, quantized and bit-packed storage. */
  public boolean isRawStorage() {
    return kind == Kind.RAW;
  }

  /** True when elements convert to single Java numbers (signed, unsigned, float, bool). */
  public boolean isNumeric() {
    return kind != Kind.COMPLEX && kind != Kind.RAW;
  }

  @Override
  public String toString() {
    return label;
  }

  /**
   * The DType with this ScalarType code.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for a code ExecuTorch 1.5.1
   *     does not define (outside 0..29)
   */
  public static DType fromCode(int code) {
    if (code >= 0 && code < BY_CODE.length) {
      return BY_CODE[code];
    }
    throw new ExecuTorchException(
        ErrorCode.UNSUPPORTED_DTYPE,
        "ScalarType code " + code + " is not a dtype of ExecuTorch 1.5.1 (0..29)");
  }

  /** The DType named like PyTorch ({@code float32}, {@code int64}, {@code uint16}, ...). */
  public static DType fromLabel(String label) {
    for (DType t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + label + "'");
  }
}
