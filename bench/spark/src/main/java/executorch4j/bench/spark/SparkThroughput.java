package executorch4j.bench.spark;

import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import executorch4j.spark.ExecuTorchTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rows/s of {@link ExecuTorchTransformer} on one local executor (local[1]: one task thread) vs
 * the library called directly on the same rows in the same JVM, after a warm-up pass; the median
 * of the timed passes. The direct loop does what the transformer must per row: a tensor from a
 * Java array, forward, the output copied into a Java array.
 */
public final class SparkThroughput {
  private SparkThroughput() {}

  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int repeats = Integer.parseInt(args[2]);
    SparkSession spark = SparkSession.builder().master("local[1]").appName("executorch4j-spark-bench")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    System.out.printf("rows %d, %d timed passes after 1 warm-up, median; Java %s, Spark %s, local[1]%n%n",
        rows, repeats, System.getProperty("java.version"), spark.version());
    System.out.println("| model | path | rows/s | µs/row |");
    System.out.println("|---|---|---:|---:|");
    for (String[] m : new String[][] {{"mlp_xnnpack", "16", "1"}, {"dynamic_batch", "4", "8"}}) {
      String name = m[0];
      int width = Integer.parseInt(m[1]);
      int batch = Integer.parseInt(m[2]);
      float[][] x = inputs(rows, width);
      Path pte = fixtures.resolve(name + ".pte");
      try (ExecuTorchModel model = ExecuTorchModel.load(pte)) {
        report(name, "library direct, 1 row per call", rows, repeats, () -> direct(model, x, 1));
        if (batch > 1) {
          report(name, "library direct, " + batch + " rows per call", rows, repeats, () -> direct(model, x, batch));
        }
      }
      List<Row> data = new ArrayList<>(rows);
      for (float[] r : x) {
        Object[] boxed = new Object[width];
        for (int j = 0; j < width; j++) {
          boxed[j] = r[j];
        }
        data.add(RowFactory.create((Object) boxed));
      }
      Dataset<Row> df = spark.createDataFrame(data,
          new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))).cache();
      df.count();
      report(name, "Spark, cached scan only (no model)", rows, repeats, () -> noop(df));
      ExecuTorchTransformer t = new ExecuTorchTransformer().setModelPath(pte.toString()).setInputCols("features");
      if (batch > 1) {
        report(name, "ExecuTorchTransformer, batchSize 1", rows, repeats, () -> noop(t.setBatchSize(1).transform(df)));
        report(name, "ExecuTorchTransformer, batchSize " + batch, rows, repeats,
            () -> noop(t.setBatchSize(batch).transform(df)));
      } else {
        report(name, "ExecuTorchTransformer (row by row)", rows, repeats, () -> noop(t.transform(df)));
      }
      df.unpersist();
    }
    spark.stop();
  }

  static float[][] inputs(int rows, int width) {
    float[][] x = new float[rows][width];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < width; j++) {
        x[i][j] = (float) ((((long) i * 7919 + (long) j * 104729) % 2001 - 1000) / 400.0);
      }
    }
    return x;
  }

  static long direct(ExecuTorchModel model, float[][] x, int batch) {
    int width = x[0].length;
    long sink = 0;
    for (int i = 0; i < x.length; i += batch) {
      int n = Math.min(batch, x.length - i);
      float[] in = new float[n * width];
      for (int r = 0; r < n; r++) {
        System.arraycopy(x[i + r], 0, in, r * width, width);
      }
      float[] out = model.forward(Tensor.of(in, n, width)).get("output_0").toFloatArray();
      for (int r = 0; r < n; r++) {
        sink += Float.floatToRawIntBits(Arrays.copyOfRange(out, r * out.length / n, (r + 1) * out.length / n)[0]);
      }
    }
    return sink;
  }

  static long noop(Dataset<Row> df) {
    df.write().format("noop").mode("overwrite").save();
    return 0;
  }

  static void report(String model, String path, int rows, int repeats, LongSupplier pass) {
    pass.getAsLong(); // warm-up
    double[] secs = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      pass.getAsLong();
      secs[i] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(secs);
    double median = secs[repeats / 2];
    System.out.printf("| %s | %s | %,.0f | %.2f |%n", model, path, rows / median, median * 1e6 / rows);
  }
}
