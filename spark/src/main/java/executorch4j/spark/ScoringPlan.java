package executorch4j.spark;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.Isolation;
import executorch4j.MethodMeta;
import executorch4j.TensorMeta;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the driver decided, shipped to the executors with each task: which program (by hash), which
 * method, how each input is filled from a row, how outputs become columns, and whether rows are
 * batched into the program's dynamic leading dimension.
 *
 * @param sha256 the program's content hash ({@link ExecutorModels})
 * @param bytes the broadcast of the program's bytes (null when only the schema is planned)
 * @param method the method to run
 * @param inputs one entry per method input, in order
 * @param outputs one entry per method output, in order
 * @param batchSize rows per call: up to the dynamic leading dimension's bound when {@code batched},
 *     else 1
 * @param batched true when every input's leading dimension is dynamic and the rows are stacked
 *     along it
 * @param policy what a row that cannot be scored becomes
 * @param isolation where the program runs on each JVM ({@link Isolation#PROCESS}: a worker process)
 */
record ScoringPlan(
    String sha256,
    Broadcast<byte[]> bytes,
    String method,
    List<Input> inputs,
    List<Output> outputs,
    int batchSize,
    boolean batched,
    ErrorPolicy policy,
    Isolation isolation)
    implements Serializable {

  /**
   * One method input.
   *
   * @param name the program's name for it ({@code input_0})
   * @param column the Spark column it is read from (null for a UDF argument)
   * @param dtype element type written into the tensor
   * @param rowShape the part of the shape one row supplies (the whole shape when not batched)
   */
  record Input(String name, String column, DType dtype, long[] rowShape) implements Serializable {
    long rowNumel() {
      long n = 1;
      for (long d : rowShape) {
        n *= d;
      }
      return n;
    }

    String describe() {
      return (column == null ? "" : "column '" + column + "' (")
          + name
          + " "
          + dtype
          + Arrays.toString(rowShape).replace(" ", "")
          + (column == null ? "" : ")");
    }
  }

  /**
   * One method output.
   *
   * @param name the program's name for it ({@code output_0})
   * @param column the Spark column (or struct field) written
   * @param dtype element type
   */
  record Output(String name, String column, DType dtype) implements Serializable {}

  /**
   * Plans {@code meta} for the given columns.
   *
   * @param inputColumns one column per method input (null entries for UDF arguments)
   * @param outputColumns one name per method output, or empty for the program's names
   * @param batchSizeParam 0 for the program's bound, else at most the bound
   * @throws ExecuTorchException for a method with non-tensor values or unsupported dtypes
   * @throws IllegalArgumentException for a column count or batch size that does not fit the method
   */
  static ScoringPlan create(
      String sha256,
      Broadcast<byte[]> bytes,
      MethodMeta meta,
      List<String> inputColumns,
      List<String> outputColumns,
      int batchSizeParam,
      ErrorPolicy policy,
      Isolation isolation) {
    List<TensorMeta> ins = meta.inputs();
    List<TensorMeta> outs = meta.outputs();
    if (inputColumns.size() != ins.size()) {
      throw new IllegalArgumentException(
          "method '"
              + meta.name()
              + "' takes "
              + ins.size()
              + " input(s) "
              + meta.inputs()
              + " but "
              + inputColumns.size()
              + " input column(s) were given: "
              + inputColumns);
    }
    if (!outputColumns.isEmpty() && outputColumns.size() != outs.size()) {
      throw new IllegalArgumentException(
          "method '"
              + meta.name()
              + "' returns "
              + outs.size()
              + " output(s) "
              + meta.outputs()
              + " but "
              + outputColumns.size()
              + " output column(s) were given: "
              + outputColumns);
    }
    if (batchSizeParam < 0) {
      throw new IllegalArgumentException("batchSize must be >= 0, got " + batchSizeParam);
    }
    boolean batched = !ins.isEmpty();
    long bound = Long.MAX_VALUE;
    for (TensorMeta t : ins) {
      if (!t.isTensor()) {
        throw new ExecuTorchException(
            ErrorCode.UNSUPPORTED_VALUE,
            "method '" + meta.name() + "' input " + t.name() + " is not a tensor");
      }
      boolean leadingDynamic = t.rank() >= 1 && t.dynamicDims().contains(0) && t.shape()[0] > 1;
      batched &= leadingDynamic;
      if (leadingDynamic) {
        bound = Math.min(bound, t.shape()[0]);
      }
    }
    int batchSize = 1;
    if (batched) {
      if (batchSizeParam > bound) {
        throw new IllegalArgumentException(
            "batchSize "
                + batchSizeParam
                + " exceeds the bound "
                + bound
                + " of the dynamic leading dimension of method '"
                + meta.name()
                + "' "
                + meta.inputs());
      }
      batchSize = batchSizeParam == 0 ? (int) Math.min(bound, Integer.MAX_VALUE) : batchSizeParam;
    }
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < ins.size(); i++) {
      TensorMeta t = ins.get(i);
      SparkTypes.checkInputDType(t.dtype(), "method '" + meta.name() + "' " + t.name());
      long[] s = t.shape();
      long[] rowShape = batched ? Arrays.copyOfRange(s, 1, s.length) : s;
      inputs.add(new Input(t.name(), inputColumns.get(i), t.dtype(), rowShape));
    }
    List<Output> outputs = new ArrayList<>();
    for (int i = 0; i < outs.size(); i++) {
      TensorMeta t = outs.get(i);
      if (!t.isTensor()) {
        throw new ExecuTorchException(
            ErrorCode.UNSUPPORTED_VALUE,
            "method '" + meta.name() + "' output " + t.name() + " is not a tensor");
      }
      SparkTypes.elementType(t.dtype(), "method '" + meta.name() + "' " + t.name());
      outputs.add(
          new Output(
              t.name(), outputColumns.isEmpty() ? t.name() : outputColumns.get(i), t.dtype()));
    }
    return new ScoringPlan(
        sha256,
        bytes,
        meta.name(),
        List.copyOf(inputs),
        List.copyOf(outputs),
        batchSize,
        batched,
        policy,
        isolation);
  }

  /** Checks the input columns' types against {@code schema}; returns their indices. */
  int[] inputIndices(StructType schema) {
    int[] idx = new int[inputs.size()];
    for (int i = 0; i < idx.length; i++) {
      Input in = inputs.get(i);
      if (!Arrays.asList(schema.fieldNames()).contains(in.column())) {
        throw new IllegalArgumentException(
            "input column '"
                + in.column()
                + "' does not exist; columns: "
                + Arrays.toString(schema.fieldNames()));
      }
      idx[i] = schema.fieldIndex(in.column());
      DataType type = schema.fields()[idx[i]].dataType();
      boolean ok =
          type instanceof ArrayType a
                  && (a.elementType() instanceof NumericType
                      || a.elementType() instanceof BooleanType)
              || type.equals(SQLDataTypes.VectorType())
              || (type instanceof NumericType || type instanceof BooleanType) && in.rowNumel() == 1;
      if (!ok) {
        throw new IllegalArgumentException(
            "input column '"
                + in.column()
                + "' has type "
                + type.simpleString()
                + " but "
                + in.name()
                + " needs "
                + in.rowNumel()
                + " "
                + in.dtype()
                + " value(s) per row: "
                + "an array of numbers or booleans, an ML vector"
                + (in.rowNumel() == 1 ? ", or a number" : ""));
      }
    }
    return idx;
  }

  /** The output columns' struct fields ({@code array<element>}, nullable for the NULL policy). */
  List<StructField> outputFields() {
    List<StructField> f = new ArrayList<>();
    for (Output o : outputs) {
      f.add(
          DataTypes.createStructField(
              o.column(), SparkTypes.columnType(o.dtype(), o.name()), true));
    }
    return f;
  }

  /** {@code schema} followed by the output columns. */
  StructType outputSchema(StructType schema) {
    StructType out = schema;
    for (StructField f : outputFields()) {
      if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
        throw new IllegalArgumentException("output column '" + f.name() + "' already exists");
      }
      out = out.add(f);
    }
    return out;
  }
}
