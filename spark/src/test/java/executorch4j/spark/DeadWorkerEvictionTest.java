package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
import executorch4j.WorkerPids;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cached isolated model whose worker process was killed (SIGKILL from this test, as the OOM
 * killer or an operator would) is evicted once and loaded again; every later row is scored, under
 * either error policy, instead of failing or silently becoming null.
 */
class DeadWorkerEvictionTest {
  static final String MODEL = "mlp_xnnpack";
  static final int ROWS = 60;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  @Test
  void aKilledWorkerIsEvictedOnceAndEveryLaterRowIsScored() throws Exception {
    Goldens.Golden g = Goldens.golden(MODEL);
    Dataset<Row> df = rows(g).repartition(2);
    for (ErrorPolicy policy : List.of(ErrorPolicy.NULL, ErrorPolicy.FAIL)) {
      ExecuTorchTransformer t =
          new ExecuTorchTransformer()
              .setModelPath(Goldens.pte(MODEL))
              .setInputCols("features")
              .setOutputCols("scores")
              .setErrorPolicy(policy)
              .setIsolation(Isolation.PROCESS);
      checkAll(t.transform(df).collectAsList(), g, policy + ", before the kill");

      ExecuTorchModel dead = cached();
      int deadPid = kill(dead);
      long evictions = ExecutorModels.evictionCount();
      int loaded = ExecutorModels.loadedCount();

      checkAll(t.transform(df).collectAsList(), g, policy + ", after the kill");
      // Both local[2] task threads met the dead model; one evicted it.
      assertEquals(evictions + 1, ExecutorModels.evictionCount(), policy + ": evictions");
      assertEquals(loaded, ExecutorModels.loadedCount(), policy + ": models loaded");
      ExecuTorchModel now = cached();
      assertNotSame(dead, now, policy + ": the cache holds a new model");
      assertTrue(WorkerPids.of(now) > 0, policy + ": the new model has a worker");
      assertNotEquals(deadPid, WorkerPids.of(now), policy + ": a new worker");
    }
  }

  @Test
  void aUdfScoresEveryRowAfterItsWorkerWasKilled() throws Exception {
    Goldens.Golden g = Goldens.golden(MODEL);
    UserDefinedFunction f =
        ExecuTorchUdf.create(
            spark, Goldens.pte(MODEL), "forward", ErrorPolicy.NULL, Isolation.PROCESS);
    Dataset<Row> df = rows(g).coalesce(1);
    checkAll(
        df.withColumn("scores", f.apply(functions.col("features"))).collectAsList(), g, "before");

    kill(cached());
    long evictions = ExecutorModels.evictionCount();
    checkAll(
        df.withColumn("scores", f.apply(functions.col("features"))).collectAsList(), g, "after");
    assertEquals(evictions + 1, ExecutorModels.evictionCount(), "evictions");
  }

  /** Row id -> golden case id % cases. */
  private static Dataset<Row> rows(Goldens.Golden g) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] x = g.cases().get(i % g.cases().size()).inputs().get(0).data();
      rows.add(RowFactory.create(i, ExecuTorchTransformerTest.floats(x)));
    }
    return spark.createDataFrame(
        rows,
        ExecuTorchTransformerTest.schema(
            "id", DataTypes.IntegerType, "features", ExecuTorchTransformerTest.FLOATS));
  }

  /** Every row once, none null, each within the golden tolerance. */
  private static void checkAll(List<Row> out, Goldens.Golden g, String what) {
    assertEquals(ROWS, out.size(), what + ": rows out");
    assertEquals(
        IntStream.range(0, ROWS).boxed().toList(),
        out.stream().map(r -> r.getInt(0)).sorted().toList(),
        what + ": every row once");
    for (Row r : out) {
      int id = r.getInt(0);
      assertTrue(!r.isNullAt(r.fieldIndex("scores")), what + ": row " + id + " is null");
      Goldens.assertClose(
          g.cases().get(id % g.cases().size()).outputs().get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "scores"),
          g.tolerance(),
          what + ": row " + id);
    }
  }

  /** The model this JVM's tasks share (local mode: the driver is the executor). */
  private static ExecuTorchModel cached() {
    return ExecutorModels.get(
        ExecutorModels.sha256(Path.of(Goldens.pte(MODEL))), Isolation.PROCESS);
  }

  /** SIGKILLs the model's worker and waits until it is gone; returns its pid. */
  private static int kill(ExecuTorchModel model) throws Exception {
    int pid = WorkerPids.of(model);
    assertTrue(pid > 0, "an isolated model has a worker");
    ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
    assertTrue(worker.destroyForcibly(), "SIGKILL sent to " + pid);
    worker.onExit().get(30, TimeUnit.SECONDS);
    return pid;
  }
}
