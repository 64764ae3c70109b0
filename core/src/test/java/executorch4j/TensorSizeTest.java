package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Shapes whose byte size does not fit in a long are refused, naming the shape and dtype, instead of
 * wrapping to a small size (2^62 float32 elements are 2^64 bytes, which wraps to 0).
 */
class TensorSizeTest {
  static final long TWO_62 = 1L << 62;

  @Test
  void zerosRefusesAByteSizeThatOverflows() {
    var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT32, TWO_62));
    assertTrue(e.getMessage().contains("float32[4611686018427387904]"), e.getMessage());
    assertTrue(e.getMessage().contains("use a smaller shape"), e.getMessage());
  }

  @Test
  void zerosRefusesAnElementCountThatOverflows() {
    // 2^31 * 2^31 * 4 = 2^64 elements: the count itself does not fit.
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.zeros(DType.INT8, 1L << 31, 1L << 31, 4));
    assertTrue(e.getMessage().contains("int8[2147483648,2147483648,4]"), e.getMessage());
  }

  @Test
  void wrapRefusesAShapeWhoseBytesWrapToTheSegmentsSize() {
    // Unchecked, 2^62 float32s need 0 bytes: an empty segment would pass as 16 EiB of data.
    MemorySegment empty = Arena.ofAuto().allocate(16).asSlice(0, 0);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.wrap(empty, DType.FLOAT32, TWO_62));
    assertTrue(e.getMessage().contains("float32[4611686018427387904]"), e.getMessage());
  }

  @Test
  void fromArrayRefusesAByteSizeThatOverflows() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tensor.fromArray(new double[0], DType.COMPLEX128, 1L << 60));
    assertTrue(e.getMessage().contains("complex128[1152921504606846976]"), e.getMessage());
    assertTrue(e.getMessage().contains("overflows"), e.getMessage());
  }

  @Test
  void sizesThatFitAreUnchanged() {
    assertEquals(3 * 5 * 8, Tensor.zeros(DType.FLOAT64, 3, 5).byteSize());
    assertEquals(0, Tensor.zeros(DType.FLOAT32, TWO_62, 0).byteSize());
  }
}
