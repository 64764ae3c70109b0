package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every ScalarType of ExecuTorch 1.5.1: names, sizes, conversions, and inspection of programs using
 * it.
 */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class DTypeTest {

  /**
   * ExecuTorch 1.5.1 {@code runtime/core/portable_type/scalar_type.h}: code, name (PyTorch's), and
   * sizeof of the C type ET_FORALL_SCALAR_TYPES lists for it.
   */
  static final Object[][] SCALAR_TYPES = {
    {0, "uint8", 1},
    {1, "int8", 1},
    {2, "int16", 2},
    {3, "int32", 4},
    {4, "int64", 8},
    {5, "float16", 2},
    {6, "float32", 4},
    {7, "float64", 8},
    {8, "complex32", 4},
    {9, "complex64", 8},
    {10, "complex128", 16},
    {11, "bool", 1},
    {12, "qint8", 1},
    {13, "quint8", 1},
    {14, "qint32", 4},
    {15, "bfloat16", 2},
    {16, "quint4x2", 1},
    {17, "quint2x4", 1},
    {18, "bits1x8", 1},
    {19, "bits2x4", 1},
    {20, "bits4x2", 1},
    {21, "bits8", 1},
    {22, "bits16", 2},
    {23, "float8_e5m2", 1},
    {24, "float8_e4m3fn", 1},
    {25, "float8_e5m2fnuz", 1},
    {26, "float8_e4m3fnuz", 1},
    {27, "uint16", 2},
    {28, "uint32", 4},
    {29, "uint64", 8}
  };

  @Test
  void everyScalarTypeOfExecuTorch151HasADType() {
    assertEquals(SCALAR_TYPES.length, DType.values().length);
    for (Object[] row : SCALAR_TYPES) {
      DType t = DType.fromCode((int) row[0]);
      assertEquals(row[1], t.label(), "code " + row[0]);
      assertEquals(row[2], t.byteSize(), t.label());
      assertEquals(t, DType.fromLabel((String) row[1]));
    }
    var e = assertThrows(ExecuTorchException.class, () -> DType.fromCode(30));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, e.errorCode());
  }

  @Test
  void uint16ConvertsToItsValueZeroTo65535() {
    Tensor t = raw(DType.UINT16, new short[] {0, 1, (short) 40000, (short) 0xFFFF});
    assertArrayEquals(new int[] {0, 1, 40000, 65535}, t.toIntArray());
    assertArrayEquals(new long[] {0, 1, 40000, 65535}, t.toLongArray());
    assertArrayEquals(new float[] {0, 1, 40000, 65535}, t.toFloatArray());
    assertEquals(65535.0, t.getDouble(3));
    Tensor back = Tensor.fromArray(new int[] {0, 1, 40000, 65535}, DType.UINT16, 4);
    assertArrayEquals(t.toByteArray(), back.toByteArray());
    assertThrows(
        IllegalArgumentException.class, () -> Tensor.fromArray(new int[] {65536}, DType.UINT16, 1));
    assertThrows(
        IllegalArgumentException.class, () -> Tensor.fromArray(new int[] {-1}, DType.UINT16, 1));
  }

  @Test
  void uint32ConvertsToLongAndRefusesIntNamingTheDtype() {
    Tensor t = raw(DType.UINT32, new int[] {7, 0x8000_0000, 0xFFFF_FFFF});
    assertArrayEquals(new long[] {7, 2147483648L, 4294967295L}, t.toLongArray());
    assertArrayEquals(new double[] {7, 2147483648.0, 4294967295.0}, t.toDoubleArray());
    fails(ErrorCode.UNSUPPORTED_DTYPE, "uint32", t::toIntArray);
    assertArrayEquals(
        t.toByteArray(),
        Tensor.fromArray(new long[] {7, 2147483648L, 4294967295L}, DType.UINT32, 3).toByteArray());
    assertThrows(
        IllegalArgumentException.class,
        () -> Tensor.fromArray(new long[] {1L << 32}, DType.UINT32, 1));
  }

  @Test
  void uint64KeepsAll64BitsInALong() {
    Tensor t = raw(DType.UINT64, new long[] {5, -1L, Long.MIN_VALUE});
    long[] v = t.toLongArray();
    assertEquals("5", Long.toUnsignedString(v[0]));
    assertEquals("18446744073709551615", Long.toUnsignedString(v[1]));
    assertEquals("9223372036854775808", Long.toUnsignedString(v[2]));
    assertArrayEquals(new double[] {5, 0x1p64, 0x1p63}, t.toDoubleArray());
    fails(ErrorCode.UNSUPPORTED_DTYPE, "uint64", t::toIntArray);
    // From doubles: values from 2^63 up are stored with their unsigned bits.
    assertEquals(
        Long.MIN_VALUE, Tensor.fromArray(new double[] {0x1p63}, DType.UINT64, 1).toLongArray()[0]);
    assertThrows(
        IllegalArgumentException.class,
        () -> Tensor.fromArray(new double[] {0x1p64}, DType.UINT64, 1));
  }

  @Test
  void complexIsInterleavedRealImaginaryPairs() {
    Tensor c64 = raw(DType.COMPLEX64, new float[] {1, 2, -3, 4.5f});
    assertEquals(2, c64.numel());
    assertArrayEquals(new float[] {1, 2, -3, 4.5f}, c64.toFloatArray());
    assertArrayEquals(new double[] {1, 2, -3, 4.5}, c64.toDoubleArray());
    Tensor c128 = raw(DType.COMPLEX128, new double[] {0.1, -0.2});
    assertArrayEquals(new double[] {0.1, -0.2}, c128.toDoubleArray());
    Tensor c32 =
        raw(DType.COMPLEX32, new short[] {Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f)});
    assertArrayEquals(new float[] {1.5f, -2f}, c32.toFloatArray());
    assertArrayEquals(
        c64.toByteArray(),
        Tensor.fromArray(new double[] {1, 2, -3, 4.5}, DType.COMPLEX64, 2).toByteArray());
    fails(ErrorCode.UNSUPPORTED_DTYPE, "complex64", c64::toIntArray);
    fails(ErrorCode.UNSUPPORTED_DTYPE, "complex64", () -> c64.getDouble(0));
  }

  @Test
  void rawStorageTypesGiveBytesAndNameTheDtypeOtherwise() {
    for (DType t :
        List.of(
            DType.FLOAT8_E4M3FN,
            DType.FLOAT8_E5M2,
            DType.QINT8,
            DType.QUINT4X2,
            DType.BITS16,
            DType.QINT32)) {
      byte[] bytes = new byte[2 * t.byteSize()];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) (0x80 + i);
      }
      Tensor x = Tensor.fromArray(bytes, t, 2);
      assertArrayEquals(bytes, x.toByteArray(), t.label());
      fails(ErrorCode.UNSUPPORTED_DTYPE, t.label(), x::toFloatArray);
      fails(ErrorCode.UNSUPPORTED_DTYPE, t.label(), x::toLongArray);
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> Tensor.fromArray(new float[] {1, 2}, t, 2));
      assertTrue(e.getMessage().contains(t.label() + " is raw storage"), e.getMessage());
    }
  }

  /**
   * The unsigned fixture with its first input's dtype rewritten in the flatbuffer to each code:
   * inspection reads every one (nothing is loaded or run).
   */
  @Test
  void inspectReadsAProgramOfEveryDtype() throws IOException {
    byte[] original = Files.readAllBytes(Fixtures.pte("unsigned"));
    int pos = PteFile.inputScalarTypePosition(original, 0);
    assertEquals(27, original[pos], "the fixture's input_0 is uint16 (27)");
    for (Object[] row : SCALAR_TYPES) {
      byte[] patched = original.clone();
      patched[pos] = (byte) (int) row[0];
      ProgramInfo info = ExecuTorchRuntime.inspect(ModelSource.bytes(patched));
      TensorMeta in0 = info.method("forward").inputs().get(0);
      assertEquals(row[1], in0.dtype().label());
      assertEquals(4L * (int) row[2], in0.nbytes(), row[1] + " nbytes of [4]");
      assertEquals(row[1] + "[4]", in0.signature());
    }
  }

  @Test
  void unsignedFixtureInspectsAndLoadsWithItsDeclaredDtypes() {
    ProgramInfo info = ExecuTorchRuntime.inspect(Fixtures.pte("unsigned"));
    MethodMeta m = info.method("forward");
    assertEquals("[input_0: uint16[4], input_1: uint32[4]]", m.inputs().toString());
    assertEquals(
        "[output_0: uint16[2,2], output_1: uint32[2,2], output_2: uint16[2], output_3: uint32[4]]",
        m.outputs().toString());
    try (var model = ExecuTorchModel.load(Fixtures.pte("unsigned"))) {
      assertEquals(m.outputs(), model.methodMeta("forward").outputs());
    }
  }

  /** A backend this runtime lacks: the program inspects fully; loading names the backend. */
  @Test
  void programOfAMissingBackendInspectsFullyAndFailsToLoadNamingIt() {
    ProgramInfo info = ExecuTorchRuntime.inspect(Fixtures.pte("unknown_backend"));
    MethodMeta m = info.method("forward");
    assertEquals(List.of("BackendWithCompilerDemo"), m.backends());
    assertEquals("[input_0: float32[2], input_1: float32[2]]", m.inputs().toString());
    assertEquals("[output_0: float32[2]]", m.outputs().toString());
    assertTrue(
        info.segments().stream().anyMatch(s -> s.name().equals("BackendWithCompilerDemo")),
        info.segments().toString());
    var e =
        assertThrows(
            ExecuTorchException.class, () -> ExecuTorchModel.load(Fixtures.pte("unknown_backend")));
    assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.errorCode());
    assertTrue(e.getMessage().contains("BackendWithCompilerDemo"), e.getMessage());
  }

  private static void fails(ErrorCode code, String named, Executable call) {
    var e = assertThrows(ExecuTorchException.class, call);
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }

  private static Tensor raw(DType t, Object values) {
    MemorySegment seg =
        switch (values) {
          case short[] a -> Arena.ofAuto().allocateFrom(ValueLayout.JAVA_SHORT, a);
          case int[] a -> Arena.ofAuto().allocateFrom(ValueLayout.JAVA_INT, a);
          case long[] a -> Arena.ofAuto().allocateFrom(ValueLayout.JAVA_LONG, a);
          case float[] a -> Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, a);
          case double[] a -> Arena.ofAuto().allocateFrom(ValueLayout.JAVA_DOUBLE, a);
          default -> throw new IllegalArgumentException();
        };
    return Tensor.wrap(seg, t, seg.byteSize() / t.byteSize());
  }
}
