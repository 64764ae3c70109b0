package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import executorch4j.Isolation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Isolated scoring on a real standalone cluster (2 executors x 1 core, 8 tasks per stage) outlives
 * the executor task threads that loaded the models. Each executor loads its model in the first task
 * of stage 1; the test then waits until every stage-1 task thread has ended (Spark's task pool
 * drops a thread idle for 60 s: read from the executor's /proc, not assumed) and scores again with
 * the same executor JVMs. A worker tied to its loading thread is SIGKILLed when that thread ends;
 * stage 2 would then fail with WORKER_CRASHED, or need an eviction, which is checked to be zero.
 */
class IsolatedClusterTaskThreadsTest {
  static final int PARTITIONS = 8;
  static final int ROWS = PARTITIONS * 30;

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void isolatedModelsOutliveTheTaskThreadsThatLoadedThem() throws Exception {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    try (StandaloneCluster c = StandaloneCluster.start("isolated-task-threads")) {
      SparkSession cluster = c.session();
      c.awaitExecutors(90);
      int cases = g.cases().size();
      // Row id -> golden case (id % cases): the case's input as a literal array<float>.
      Column[] inputs = new Column[cases];
      for (int k = 0; k < cases; k++) {
        double[] x = g.cases().get(k).inputs().get(0).data();
        inputs[k] =
            functions.array(
                IntStream.range(0, x.length)
                    .mapToObj(j -> functions.lit((float) x[j]))
                    .toArray(Column[]::new));
      }
      Dataset<Row> df =
          cluster
              .range(0, ROWS, 1, PARTITIONS)
              .withColumn(
                  "features",
                  functions.element_at(
                      functions.array(inputs), functions.col("id").mod(cases).cast("int").plus(1)));
      ExecuTorchTransformer scorer =
          new ExecuTorchTransformer()
              .setModelPath(Goldens.pte("mlp_xnnpack"))
              .setInputCols("features")
              .setOutputCols("scores")
              .setIsolation(Isolation.PROCESS);
      // Evaluated in the task that scores the row: which executor, which kernel thread.
      UserDefinedFunction where =
          functions.udf(new TaskThread(), DataTypes.StringType).asNondeterministic();

      List<Row> first =
          scorer
              .transform(df)
              .withColumn("thread", where.apply(functions.col("id")))
              .collectAsList();
      List<String[]> stage1 = check(first, g);
      Set<String> stage1Threads = new HashSet<>();
      Set<String> executors = new HashSet<>();
      for (String[] t : stage1) {
        stage1Threads.add(t[0] + "/" + t[1]);
        executors.add(t[0]);
      }
      assertEquals(
          StandaloneCluster.EXECUTORS, executors.size(), "executors that scored: " + executors);

      awaitEnded(stage1Threads, 150);

      List<Row> second =
          scorer
              .transform(df)
              .withColumn("thread", where.apply(functions.col("id")))
              .collectAsList();
      List<String[]> stage2 = check(second, g);
      for (String[] t : stage2) {
        assertTrue(
            executors.contains(t[0]),
            "stage 2 ran in a stage-1 executor JVM: " + String.join("/", t));
        assertTrue(
            !stage1Threads.contains(t[0] + "/" + t[1]),
            "stage 2 ran on a thread that stage 1 used: " + String.join("/", t));
        assertEquals("1", t[2], "models loaded in executor " + t[0]);
        assertEquals("0", t[3], "models evicted in executor " + t[0]);
      }
    }
  }

  /** Every row once, each within the golden tolerance; returns each row's thread report. */
  private static List<String[]> check(List<Row> rows, Goldens.Golden g) {
    assertEquals(ROWS, rows.size(), "rows out");
    assertEquals(
        IntStream.range(0, ROWS).boxed().toList(),
        rows.stream().map(r -> (int) r.getLong(0)).sorted().toList(),
        "every row scored once");
    List<String[]> threads = new ArrayList<>();
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      Goldens.assertClose(
          g.cases().get(id % g.cases().size()).outputs().get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "scores"),
          g.tolerance(),
          "row " + id);
      threads.add(r.getString(r.fieldIndex("thread")).split("/"));
    }
    return threads;
  }

  /**
   * Waits until none of {@code threads} ("pid/tid", on this machine) runs; fails after {@code
   * seconds}.
   */
  private static void awaitEnded(Set<String> threads, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (String t : threads) {
      String[] pidTid = t.split("/");
      Path task = Path.of("/proc", pidTid[0], "task", pidTid[1]);
      while (Files.exists(task)) {
        if (System.nanoTime() > deadline) {
          fail("task thread " + t + " still runs after " + seconds + " s: nothing was shown");
        }
        Thread.sleep(200);
      }
    }
  }

  /** "executor pid/kernel thread id/models loaded/models evicted" of the calling task thread. */
  static final class TaskThread implements UDF1<Long, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String call(Long id) {
      try {
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        // "<pid>/task/<tid>"
        String[] parts = self.split("/");
        return parts[0]
            + "/"
            + parts[2]
            + "/"
            + ExecutorModels.loadedCount()
            + "/"
            + ExecutorModels.evictionCount();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
