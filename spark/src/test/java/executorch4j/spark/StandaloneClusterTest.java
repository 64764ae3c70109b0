package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real standalone cluster on 127.0.0.1: a Master and a Worker started from the Spark jars as
 * separate JVMs, executors launched by the Worker as JVMs of their own, the application's code and
 * the library shipped with {@code spark.jars} as spark-submit does. 100,000 rows scored with
 * mlp_xnnpack.pte; every output compared with the library run directly on the same rows.
 */
class StandaloneClusterTest {
  static final int ROWS = 100_000;
  static final Path WORK = Path.of("spark/target/cluster").toAbsolutePath();
  private final List<Process> processes = new ArrayList<>();
  private SparkSession cluster;

  @AfterEach
  void shutDown() {
    if (cluster != null) {
      cluster.stop();
    }
    for (int i = processes.size() - 1;
        i >= 0;
        i--) { // the Worker (and its executors), then the Master
      Process p = processes.get(i);
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  @Timeout(value = 170, unit = TimeUnit.SECONDS)
  void scoresOneHundredThousandRowsOnSeparateExecutorJvmsAsTheLibraryDoes() throws Exception {
    SparkTestSession.stop(); // one SparkContext per JVM: this test's driver connects to the cluster
    Files.createDirectories(WORK);
    List<String> classpath =
        List.of(
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator));
    // A Spark "installation": jars/ holds Spark and its dependencies (the test classpath's jars
    // minus the library); the application goes through spark.jars.
    Path home = WORK.resolve("spark-home");
    Path jars = home.resolve("jars");
    Files.createDirectories(jars);
    String libraryJar = null;
    List<String> appDirs = new ArrayList<>();
    for (String entry : classpath) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        appDirs.add(entry);
      } else if (p.getFileName().toString().startsWith("executorch4j-")) {
        libraryJar = p.toAbsolutePath().toString();
      } else if (entry.endsWith(".jar") && Files.exists(p)) {
        Path link = jars.resolve(p.getFileName());
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, p.toAbsolutePath());
        }
      }
    }
    assertTrue(libraryJar != null, "library jar on the test classpath: " + classpath);
    Path appJar = WORK.resolve("app.jar");
    writeJar(appJar, appDirs);

    int masterPort = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = String.join(File.pathSeparator, classpath);
    List<String> jvm = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", cp));
    jvm.addAll(sparkJvmOptions());
    processes.add(
        start(
            jvm,
            home,
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(masterPort),
            "--webui-port",
            "0"));
    awaitPort(masterPort);
    processes.add(
        start(
            jvm,
            home,
            "worker",
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--webui-port",
            "0",
            "--cores",
            "2",
            "--memory",
            "1200m",
            "--work-dir",
            WORK.resolve("work").toString(),
            "spark://127.0.0.1:" + masterPort));

    cluster =
        SparkSession.builder()
            .master("spark://127.0.0.1:" + masterPort)
            .appName("executorch4j-spark-cluster-test")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.executor.cores", "1")
            .config("spark.executor.memory", "512m")
            .config("spark.cores.max", "2")
            .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED")
            .config("spark.jars", appJar.toUri() + "," + Path.of(libraryJar).toUri())
            .getOrCreate();
    cluster.sparkContext().setLogLevel("WARN");

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
                        List.of(ProcessHandle.current().pid() + ":" + ExecutorModels.loadedCount())
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

  private static List<String> sparkJvmOptions() {
    List<String> out = new ArrayList<>();
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")
          || a.startsWith("--add-modules")
          || a.startsWith("--enable-native-access")
          || a.startsWith("--sun-misc")
          || a.startsWith("-Dio.netty")
          || a.startsWith("-XX:+IgnoreUnrecognized")) {
        out.add(a);
      }
    }
    return out;
  }

  private Process start(List<String> jvm, Path home, String name, String mainClass, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(jvm);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(WORK.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb.start();
  }

  private static void awaitPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    fail(
        "the Master did not listen on port "
            + port
            + " within 60 s (see "
            + WORK.resolve("master.log")
            + ")");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void writeJar(Path jar, List<String> dirs) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      Set<String> names = new HashSet<>();
      for (String d : dirs) {
        Path root = Path.of(d);
        try (Stream<Path> files = Files.walk(root)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            String name = root.relativize(f).toString().replace(File.separatorChar, '/');
            if (names.add(name)) {
              out.putNextEntry(new JarEntry(name));
              Files.copy(f, out);
              out.closeEntry();
            }
          }
        }
      }
    }
  }
}
