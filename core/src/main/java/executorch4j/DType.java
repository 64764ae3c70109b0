package executorch4j;

/**
 * Element types of ExecuTorch tensors. {@link #code()} is the c10 {@code ScalarType}
 * value the runtime uses (stable across PyTorch releases).
 */
public enum DType {
  UINT8(0, 1, "uint8"),
  INT8(1, 1, "int8"),
  INT16(2, 2, "int16"),
  INT32(3, 4, "int32"),
  INT64(4, 8, "int64"),
  FLOAT16(5, 2, "float16"),
  FLOAT32(6, 4, "float32"),
  FLOAT64(7, 8, "float64"),
  BOOL(11, 1, "bool"),
  BFLOAT16(15, 2, "bfloat16");

  private final int code;
  private final int byteSize;
  private final String label;

  DType(int code, int byteSize, String label) {
    this.code = code;
    this.byteSize = byteSize;
    this.label = label;
  }

  /** The runtime's ScalarType code. */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** PyTorch-style name, e.g. {@code float32}. */
  public String label() {
    return label;
  }

  /** True for float16, bfloat16, float32 and float64. */
  public boolean isFloatingPoint() {
    return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
  }

  @Override
  public String toString() {
    return label;
  }

  /**
   * The DType with this ScalarType code.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSUPPORTED_DTYPE} for types this library does not
   *     map (complex, quantized-storage types)
   */
  public static DType fromCode(int code) {
    for (DType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new ExecuTorchException(
        ErrorCode.UNSUPPORTED_DTYPE,
        "ScalarType code " + code + " is not supported (supported: float32, float16, bfloat16,"
            + " float64, int8, uint8, int16, int32, int64, bool)");
  }

  /** The DType named like PyTorch ({@code float32}, {@code int64}, ...). */
  public static DType fromLabel(String label) {
    for (DType t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + label + "'");
  }
}
