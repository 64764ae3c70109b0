package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real standalone cluster ({@link StandaloneCluster}): 100,000 rows scored with mlp_xnnpack.pte;
 * every output compared with the library run directly on the same rows.
 */
class StandaloneClusterTest {
  static final int ROWS = 100_000;

  @Test
  @Timeout(value = 170, unit = TimeUnit.SECONDS)
  void scoresOneHundredThousandRowsOnSeparateExecutorJvmsAsTheLibraryDoes() throws Exception {
    try (StandaloneCluster c = StandaloneCluster.start("one-hundred-thousand-rows")) {
      SparkSession cluster = c.session();
      // 100,000 rows of 16 floats, made on the executors from the row id.
      Dataset<Row> df =
          cluster
              .range(0, ROWS, 1, 8)
              .withColumn(
                  "features",
                  functions.expr(
                      "transform(sequence(0, 15), j -> CAST(((id * 7919 + j * 104729) % 2001 - 1000) / 400.0 AS FLOAT))"));
      List<Row> scored =
          new ExecuTorchTransformer()
              .setModelPath(Goldens.pte("mlp_xnnpack"))
              .setInputCols("features")
              .setOutputCols("scores")
              .transform(df)
              .collectAsList();
      assertEquals(ROWS, scored.size());

      // Which JVMs ran tasks, and how many models each holds loaded.
      List<String> seen =
          cluster
              .range(0, 8, 1, 8)
              .mapPartitions(
                  (MapPartitionsFunction<Long, String>)
                      it ->
                          List.of(
                                  ProcessHandle.current().pid()
                                      + ":"
                                      + ExecutorModels.loadedCount())
                              .iterator(),
                  Encoders.STRING())
              .collectAsList();
      Set<String> executorPids = new HashSet<>();
      for (String s : seen) {
        executorPids.add(s.split(":")[0]);
        assertEquals("1", s.split(":")[1], "models loaded in executor JVM " + s);
      }
      assertFalse(
          executorPids.contains(String.valueOf(ProcessHandle.current().pid())),
          "tasks ran in the driver");
      assertEquals(
          2, cluster.sparkContext().statusTracker().getExecutorInfos().length - 1, "executors");

      // The library directly, on the rows as they came back.
      Goldens.Tolerance tol = Goldens.golden("mlp_xnnpack").tolerance();
      double maxDiff = 0;
      try (ExecuTorchModel model = ExecuTorchModel.load(Path.of(Goldens.pte("mlp_xnnpack")))) {
        for (Row r : scored) {
          List<Float> in = r.getList(1);
          float[] x = new float[16];
          for (int j = 0; j < 16; j++) {
            x[j] = in.get(j);
          }
          double[] expected = model.forward(Tensor.of(x, 1, 16)).get("output_0").toDoubleArray();
          double[] got = ExecuTorchTransformerTest.doubles(r, "scores");
          Goldens.assertClose(expected, got, tol, "row id " + r.getLong(0));
          for (int k = 0; k < 4; k++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[k] - got[k]));
          }
        }
      }
      System.out.println(
          "StandaloneClusterTest: "
              + ROWS
              + " rows on executors "
              + executorPids
              + ", max |cluster - library| = "
              + maxDiff);
    }
  }
}
