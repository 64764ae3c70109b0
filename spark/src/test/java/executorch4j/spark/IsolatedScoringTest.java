package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
import executorch4j.LoadOptions;
import executorch4j.MethodMeta;
import executorch4j.ModelSource;
import executorch4j.TensorMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** isolation = process: programs run in the library's sandboxed worker processes. */
class IsolatedScoringTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  @Test
  void isolatedScoringMatchesThePyTorchGoldens() {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < g.cases().size(); i++) {
      rows.add(
          RowFactory.create(
              i, ExecuTorchTransformerTest.floats(g.cases().get(i).inputs().get(0).data())));
    }
    ExecuTorchTransformer t =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("mlp_xnnpack"))
            .setInputCols("features")
            .setIsolation(Isolation.PROCESS);
    List<Row> out =
        t.transform(
                spark.createDataFrame(
                    rows,
                    ExecuTorchTransformerTest.schema(
                        "id", DataTypes.IntegerType, "features", ExecuTorchTransformerTest.FLOATS)))
            .collectAsList();

    assertEquals(rows.size(), out.size(), "rows out");
    assertEquals(
        java.util.stream.IntStream.range(0, rows.size()).boxed().toList(),
        out.stream().map(r -> r.getInt(0)).sorted().toList(),
        "every row scored once");
    for (Row r : out) {
      Goldens.assertClose(
          g.cases().get(r.getInt(0)).outputs().get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "output_0"),
          g.tolerance(),
          "row " + r.getInt(0));
    }
    ExecuTorchModel shared =
        ExecutorModels.get(
            ExecutorModels.sha256(Path.of(Goldens.pte("mlp_xnnpack"))), Isolation.PROCESS);
    assertEquals(Isolation.PROCESS, shared.options().isolation());
  }

  @Test
  void aProgramThatKillsTheRuntimeFailsWithWorkerCrashedAndTheJvmGoesOn() throws Exception {
    // The first reproducer the index marks as killing a JVM in process (fuzz/crashers/INDEX.tsv).
    Path dir = Goldens.DIR.resolveSibling("fuzz").resolve("crashers");
    String file =
        Files.readAllLines(dir.resolve("INDEX.tsv")).stream()
            .filter(l -> l.split("\t")[3].startsWith("kills-jvm"))
            .findFirst()
            .orElseThrow()
            .split("\t")[0];
    Path crasher = dir.resolve(file);

    // Columns of zeros shaped as the program declares (read in a worker too), one per input.
    StructType schema = new StructType();
    List<Object> values = new ArrayList<>();
    List<String> cols = new ArrayList<>();
    try (ExecuTorchModel m =
        ExecuTorchModel.load(
            ModelSource.bytes(Files.readAllBytes(crasher)),
            LoadOptions.defaults().withIsolation(Isolation.PROCESS))) {
      MethodMeta meta = m.methodMeta("forward");
      for (TensorMeta in : meta.inputs()) {
        schema = schema.add(in.name(), DataTypes.createArrayType(DataTypes.DoubleType));
        values.add(
            new Object
                [(int) (in.dynamicDims().contains(0) ? in.numel() / in.shape()[0] : in.numel())]);
        java.util.Arrays.fill((Object[]) values.getLast(), 0.0);
        cols.add(in.name());
      }
    } catch (ExecuTorchException e) {
      assertEquals(
          ErrorCode.WORKER_CRASHED, e.errorCode(), e.getMessage()); // crashed already at load
      schema = schema.add("input_0", DataTypes.createArrayType(DataTypes.DoubleType));
      values.add(new Object[] {0.0});
      cols.add("input_0");
    }
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(values.toArray())), schema);

    Exception e =
        assertThrows(
            Exception.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(crasher.toString())
                    .setInputCols(cols.toArray(String[]::new))
                    .setIsolation(Isolation.PROCESS)
                    .transform(df)
                    .collectAsList());
    ExecuTorchException cause = Errors.find(e, ExecuTorchException.class);
    assertEquals(ErrorCode.WORKER_CRASHED, cause.errorCode(), cause.getMessage());
    assertTrue(cause.getMessage().contains("signal"), cause.getMessage());

    // This JVM (driver and local executor) still scores.
    Goldens.Golden g = Goldens.golden("linear_regression");
    Row r =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("linear_regression"))
            .setInputCols("x")
            .transform(
                spark.createDataFrame(
                    List.of(RowFactory.create(2.0)),
                    new StructType().add("x", DataTypes.DoubleType)))
            .first();
    Goldens.assertClose(
        new double[] {g.cases().get(2).outputs().get(0).data()[0]},
        ExecuTorchTransformerTest.doubles(r, "output_0"),
        g.tolerance(),
        "y(2)");
  }
}
