package executorch4j.spark;

import executorch4j.ExecuTorchException;
import executorch4j.Isolation;
import executorch4j.MethodMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.collection.immutable.ArraySeq;

/**
 * An ExecuTorch program as a Spark SQL / DataFrame function: one argument per method input (1 to
 * 3), returning the single output as {@code array<T>} typed from the program's metadata, or a
 * struct of {@code output_0 ...} arrays for a method with several outputs.
 *
 * <pre>{@code
 * UserDefinedFunction mlp = ExecuTorchUdf.create(spark, "/models/mlp_xnnpack.pte");
 * df.withColumn("scores", mlp.apply(col("features")));
 * ExecuTorchUdf.register(spark, "mlp", "/models/mlp_xnnpack.pte");
 * spark.sql("SELECT id, mlp(features) AS scores FROM t");
 * }</pre>
 *
 * <p>A UDF sees one row at a time, so each row is one forward call (with a batch of 1 for a program
 * whose leading dimension is dynamic); {@link ExecuTorchTransformer} batches. The model reaches
 * executors and is shared exactly as for the transformer. A row that cannot be scored fails the
 * task naming its partition and its position among the rows this function saw in that partition, or
 * becomes null ({@link ErrorPolicy}).
 */
public final class ExecuTorchUdf {
  private ExecuTorchUdf() {}

  /** The {@code forward} method, failing on bad rows. */
  public static UserDefinedFunction create(SparkSession spark, String modelPath) {
    return create(spark, modelPath, "forward", ErrorPolicy.FAIL);
  }

  /**
   * {@code method} of the program at {@code modelPath} as a function.
   *
   * @throws ExecuTorchException if the program does not load or has no such method
   * @throws IllegalArgumentException if the method takes no input or more than 3
   */
  public static UserDefinedFunction create(
      SparkSession spark, String modelPath, String method, ErrorPolicy policy) {
    return create(spark, modelPath, method, policy, Isolation.NONE);
  }

  /**
   * As {@link #create(SparkSession, String, String, ErrorPolicy)}, running the program as {@code
   * isolation} says on the driver and every executor.
   */
  public static UserDefinedFunction create(
      SparkSession spark,
      String modelPath,
      String method,
      ErrorPolicy policy,
      Isolation isolation) {
    ModelStaging.Shipped shipped = ModelStaging.ship(spark.sparkContext(), modelPath);
    MethodMeta meta = ExecutorModels.get(shipped.sha256(), isolation).methodMeta(method);
    int arity = meta.inputs().size();
    if (arity < 1 || arity > 3) {
      throw new IllegalArgumentException(
          "method '"
              + method
              + "' takes "
              + arity
              + " inputs; ExecuTorchUdf supports 1 to 3, use ExecuTorchTransformer");
    }
    ScoringPlan plan =
        ScoringPlan.create(
            shipped.sha256(),
            shipped.bytes(),
            meta,
            Collections.nCopies(arity, null),
            List.of(),
            1,
            policy,
            isolation);
    List<StructField> fields = plan.outputFields();
    DataType type =
        fields.size() == 1 ? fields.get(0).dataType() : DataTypes.createStructType(fields);
    Fn fn = new Fn(plan);
    return switch (arity) {
      case 1 -> functions.udf((UDF1<Object, Object>) fn, type);
      case 2 -> functions.udf((UDF2<Object, Object, Object>) fn, type);
      default -> functions.udf((UDF3<Object, Object, Object, Object>) fn, type);
    };
  }

  /** Registers {@code forward} of the program under {@code name} for SQL; returns the function. */
  public static UserDefinedFunction register(SparkSession spark, String name, String modelPath) {
    return register(spark, name, modelPath, "forward", ErrorPolicy.FAIL);
  }

  /** Registers {@code method} of the program under {@code name} for SQL; returns the function. */
  public static UserDefinedFunction register(
      SparkSession spark, String name, String modelPath, String method, ErrorPolicy policy) {
    return spark.udf().register(name, create(spark, modelPath, method, policy));
  }

  /** The function body: one row, one call. */
  private static final class Fn
      implements UDF1<Object, Object>,
          UDF2<Object, Object, Object>,
          UDF3<Object, Object, Object, Object> {
    private static final long serialVersionUID = 1L;

    /** Per task thread: the task attempt and how many rows this thread scored in it. */
    private static final ThreadLocal<long[]> POSITION =
        ThreadLocal.withInitial(() -> new long[] {-1, 0});

    private final ScoringPlan plan;

    Fn(ScoringPlan plan) {
      this.plan = plan;
    }

    @Override
    public Object call(Object a) {
      return score(a);
    }

    @Override
    public Object call(Object a, Object b) {
      return score(a, b);
    }

    @Override
    public Object call(Object a, Object b, Object c) {
      return score(a, b, c);
    }

    private Object score(Object... args) {
      TaskContext task = TaskContext.get();
      long attempt = task == null ? -1 : task.taskAttemptId();
      long[] pos = POSITION.get();
      if (pos[0] != attempt) {
        pos[0] = attempt;
        pos[1] = 0;
      }
      long row = pos[1]++;
      List<Object[]> rows = new ArrayList<>(1);
      rows.add(args);
      Object[] out =
          new BatchScorer(plan).score(rows, task == null ? -1 : task.partitionId(), row)[0];
      if (out == null) {
        return null;
      }
      if (out.length == 1) {
        return ArraySeq.unsafeWrapArray(out[0]);
      }
      Object[] fields = new Object[out.length];
      for (int k = 0; k < out.length; k++) {
        fields[k] = ArraySeq.unsafeWrapArray(out[k]);
      }
      return RowFactory.create(fields);
    }
  }
}
