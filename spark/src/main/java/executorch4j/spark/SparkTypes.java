package executorch4j.spark;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.Tensor;
import java.util.Arrays;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** How program dtypes map to Spark column types, and output tensors to per-row Java arrays. */
final class SparkTypes {
  private SparkTypes() {}

  /** The element type of an output column for {@code dtype}; refuses dtypes with no Spark twin. */
  static DataType elementType(DType dtype, String what) {
    return switch (dtype) {
      case FLOAT32, FLOAT16, BFLOAT16 -> DataTypes.FloatType;
      case FLOAT64 -> DataTypes.DoubleType;
      case INT8 -> DataTypes.ByteType;
      case INT16 -> DataTypes.ShortType;
      case INT32, UINT8, UINT16 -> DataTypes.IntegerType;
      case INT64, UINT32 -> DataTypes.LongType;
      case BOOL -> DataTypes.BooleanType;
      default ->
          throw new ExecuTorchException(
              ErrorCode.UNSUPPORTED_DTYPE,
              what
                  + ": dtype "
                  + dtype
                  + " has no Spark column type (supported: float32, float16, "
                  + "bfloat16, float64, int8, int16, int32, int64, uint8, uint16, uint32, bool)");
    };
  }

  /** {@code array<element>} for an output of {@code dtype}. */
  static ArrayType columnType(DType dtype, String what) {
    return DataTypes.createArrayType(elementType(dtype, what), false);
  }

  /** Checks that rows can be written into an input of {@code dtype}. */
  static void checkInputDType(DType dtype, String what) {
    switch (dtype) {
      case FLOAT32, FLOAT16, FLOAT64, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, BOOL -> {}
      default ->
          throw new ExecuTorchException(
              ErrorCode.UNSUPPORTED_DTYPE,
              what
                  + ": dtype "
                  + dtype
                  + " cannot be filled from a Spark column (supported: float32, "
                  + "float16, float64, int8, int16, int32, int64, uint8, uint16, uint32, bool)");
    }
  }

  /** The whole output as one Java array of the column's element type. */
  static Object toJavaArray(Tensor t) {
    return switch (t.dtype()) {
      case FLOAT32, FLOAT16, BFLOAT16 -> t.toFloatArray();
      case FLOAT64 -> t.toDoubleArray();
      case INT8 -> t.toByteArray();
      case INT16 -> {
        int[] v = t.toIntArray();
        short[] s = new short[v.length];
        for (int i = 0; i < v.length; i++) {
          s[i] = (short) v[i];
        }
        yield s;
      }
      case INT32, UINT8, UINT16 -> t.toIntArray();
      case INT64, UINT32 -> t.toLongArray();
      case BOOL -> t.toBooleanArray();
      default ->
          throw new ExecuTorchException(
              ErrorCode.UNSUPPORTED_DTYPE, "dtype " + t.dtype() + " has no Spark column type");
    };
  }

  /** Elements {@code [from, to)} of an array made by {@link #toJavaArray}. */
  static Object slice(Object array, int from, int to) {
    return switch (array) {
      case float[] a -> Arrays.copyOfRange(a, from, to);
      case double[] a -> Arrays.copyOfRange(a, from, to);
      case byte[] a -> Arrays.copyOfRange(a, from, to);
      case short[] a -> Arrays.copyOfRange(a, from, to);
      case int[] a -> Arrays.copyOfRange(a, from, to);
      case long[] a -> Arrays.copyOfRange(a, from, to);
      case boolean[] a -> Arrays.copyOfRange(a, from, to);
      default -> throw new IllegalStateException("not an output array: " + array.getClass());
    };
  }
}
