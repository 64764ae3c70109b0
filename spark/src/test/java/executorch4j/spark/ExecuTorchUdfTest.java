package executorch4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SQL/DataFrame function on local[2], against the fixtures' PyTorch-eager goldens. */
class ExecuTorchUdfTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  private static Dataset<Row> mlpRows(Goldens.Golden g, boolean withBad) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < g.cases().size(); i++) {
      rows.add(
          RowFactory.create(
              i, ExecuTorchTransformerTest.floats(g.cases().get(i).inputs().get(0).data())));
    }
    if (withBad) {
      rows.add(RowFactory.create(rows.size(), new Object[] {1f}));
    }
    return spark
        .createDataFrame(
            rows,
            ExecuTorchTransformerTest.schema(
                "id", DataTypes.IntegerType, "features", ExecuTorchTransformerTest.FLOATS))
        .coalesce(1);
  }

  @Test
  void dataFrameFunctionScoresMlpXnnpackAsThePyTorchGoldens() {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    UserDefinedFunction mlp = ExecuTorchUdf.create(spark, Goldens.pte("mlp_xnnpack"));
    List<Row> out =
        mlpRows(g, false).withColumn("scores", mlp.apply(col("features"))).collectAsList();

    assertEquals(g.cases().size(), out.size());
    for (Row r : out) {
      Goldens.assertClose(
          g.cases().get(r.getInt(0)).outputs().get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "scores"),
          g.tolerance(),
          "row " + r.getInt(0));
    }
  }

  @Test
  void sqlFunctionWithTwoInputsReturnsAStructOfOutputs() {
    Goldens.Golden g = Goldens.golden("add_mul");
    List<Row> rows = new ArrayList<>();
    for (Goldens.Case c : g.cases()) {
      rows.add(
          RowFactory.create(
              rows.size(),
              ExecuTorchTransformerTest.floats(c.inputs().get(0).data()),
              ExecuTorchTransformerTest.floats(c.inputs().get(1).data())));
    }
    spark
        .createDataFrame(
            rows,
            ExecuTorchTransformerTest.schema(
                "id",
                DataTypes.IntegerType,
                "a",
                ExecuTorchTransformerTest.FLOATS,
                "b",
                ExecuTorchTransformerTest.FLOATS))
        .createOrReplaceTempView("ab");
    ExecuTorchUdf.register(spark, "add_mul", Goldens.pte("add_mul"));

    List<Row> out =
        spark
            .sql(
                "SELECT id, add_mul(a, b).output_0 AS s, add_mul(a, b).output_1 AS p FROM ab ORDER BY id")
            .collectAsList();
    assertEquals(g.cases().size(), out.size());
    for (Row r : out) {
      List<Goldens.Value> o = g.cases().get(r.getInt(0)).outputs();
      Goldens.assertClose(
          o.get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "s"),
          g.tolerance(),
          "sum " + r.getInt(0));
      Goldens.assertClose(
          o.get(1).data(),
          ExecuTorchTransformerTest.doubles(r, "p"),
          g.tolerance(),
          "product " + r.getInt(0));
    }
  }

  @Test
  void dynamicBatchRunsOneRowPerCall() {
    Goldens.Golden g = Goldens.golden("dynamic_batch");
    Goldens.Case c = g.cases().get(1);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      rows.add(
          RowFactory.create(
              r,
              ExecuTorchTransformerTest.floats(
                  Goldens.slice(c.inputs().get(0).data(), r * 4, r * 4 + 4))));
    }
    UserDefinedFunction f = ExecuTorchUdf.create(spark, Goldens.pte("dynamic_batch"));
    // The program this JVM (driver and local executor) runs the UDF with: its calls are counted.
    ExecuTorchModel model =
        ExecutorModels.get(
            ExecutorModels.sha256(Path.of(Goldens.pte("dynamic_batch"))), Isolation.NONE);
    model.resetStats();
    List<Row> out =
        spark
            .createDataFrame(
                rows,
                ExecuTorchTransformerTest.schema(
                    "id", DataTypes.IntegerType, "x", ExecuTorchTransformerTest.FLOATS))
            .withColumn("y", f.apply(col("x")))
            .collectAsList();
    assertEquals(rows.size(), out.size(), "rows out");
    assertEquals(rows.size(), model.inferenceStats().count(), "forward calls: one per row");
    assertEquals(
        List.of(0, 1, 2), out.stream().map(r -> r.getInt(0)).sorted().toList(), "every row once");
    for (Row r : out) {
      int id = r.getInt(0);
      Goldens.assertClose(
          Goldens.slice(c.outputs().get(0).data(), id * 2, id * 2 + 2),
          ExecuTorchTransformerTest.doubles(r, "y"),
          g.tolerance(),
          "row " + id);
    }
  }

  @Test
  void badRowsFailNamingThePositionOrBecomeNull() {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    Dataset<Row> df = mlpRows(g, true);
    int bad = g.cases().size();

    Exception e =
        assertThrows(
            Exception.class,
            () ->
                df.withColumn(
                        "scores",
                        ExecuTorchUdf.create(spark, Goldens.pte("mlp_xnnpack"))
                            .apply(col("features")))
                    .collectAsList());
    ExecuTorchException cause = Errors.find(e, ExecuTorchException.class);
    assertEquals(ErrorCode.INPUT_MISMATCH, cause.errorCode());
    assertEquals(
        "[ExecuTorch 0x102 INPUT_MISMATCH] partition 0, row "
            + bad
            + ": input_0 float32[1,16]: expected 16 value(s) per row, got 1",
        cause.getMessage());

    List<Row> out =
        df.withColumn(
                "scores",
                ExecuTorchUdf.create(spark, Goldens.pte("mlp_xnnpack"), "forward", ErrorPolicy.NULL)
                    .apply(col("features")))
            .orderBy("id")
            .collectAsList();
    assertTrue(out.get(bad).isNullAt(2));
    Goldens.assertClose(
        g.cases().get(0).outputs().get(0).data(),
        ExecuTorchTransformerTest.doubles(out.get(0), "scores"),
        g.tolerance(),
        "row 0");
  }
}
