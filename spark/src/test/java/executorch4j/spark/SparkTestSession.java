package executorch4j.spark;

import org.apache.spark.sql.SparkSession;

/** One local[2] session for every test class of the run (starting Spark costs seconds). */
final class SparkTestSession {
  private static SparkSession spark;

  private SparkTestSession() {}

  static synchronized SparkSession get() {
    if (spark == null || spark.sparkContext().isStopped()) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("executorch4j-spark-test")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      spark.sparkContext().setLogLevel("ERROR");
      SparkSession started = spark;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
    }
    return spark;
  }

  /** Stops the local session (a JVM holds one SparkContext; the cluster test needs its own). */
  static synchronized void stop() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }
}
