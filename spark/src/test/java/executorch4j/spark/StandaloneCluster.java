package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * A real standalone cluster on 127.0.0.1 for one test: a Master and a Worker started from the Spark
 * jars as separate JVMs, two executors of one core each launched by the Worker as JVMs of their
 * own, the application's code and the library shipped with {@code spark.jars} as spark-submit does.
 * Closing stops the session, then the Worker (and its executors), then the Master.
 */
final class StandaloneCluster implements AutoCloseable {
  static final Path WORK = Path.of("spark/target/cluster").toAbsolutePath();
  static final int EXECUTORS = 2;

  private final List<Process> processes = new ArrayList<>();
  private final Path dir;
  private SparkSession session;

  private StandaloneCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts the cluster and a driver session connected to it; logs go to WORK/{@code name}/. */
  static StandaloneCluster start(String name) throws IOException, InterruptedException {
    SparkTestSession.stop(); // one SparkContext per JVM: this driver connects to the cluster
    StandaloneCluster c = new StandaloneCluster(WORK.resolve(name));
    try {
      c.launch(name);
      return c;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  SparkSession session() {
    return session;
  }

  /** Waits until every executor registered with the driver; fails after {@code seconds}. */
  void awaitExecutors(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    // getExecutorInfos() lists the driver too.
    while (session.sparkContext().statusTracker().getExecutorInfos().length - 1 < EXECUTORS) {
      if (System.nanoTime() > deadline) {
        fail(EXECUTORS + " executors did not register within " + seconds + " s (see " + dir + ")");
      }
      Thread.sleep(200);
    }
  }

  private void launch(String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
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
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, p.toAbsolutePath());
        }
      }
    }
    assertTrue(libraryJar != null, "library jar on the test classpath: " + classpath);
    Path appJar = dir.resolve("app.jar");
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
            String.valueOf(EXECUTORS),
            "--memory",
            "1200m",
            "--work-dir",
            dir.resolve("work").toString(),
            "spark://127.0.0.1:" + masterPort));

    session =
        SparkSession.builder()
            .master("spark://127.0.0.1:" + masterPort)
            .appName("executorch4j-spark-" + name)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.executor.cores", "1")
            .config("spark.executor.memory", "512m")
            .config("spark.cores.max", String.valueOf(EXECUTORS))
            .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED")
            .config("spark.jars", appJar.toUri() + "," + Path.of(libraryJar).toUri())
            .getOrCreate();
    session.sparkContext().setLogLevel("WARN");
  }

  @Override
  public void close() {
    if (session != null) {
      session.stop();
    }
    // The Worker (and its executors), then the Master.
    for (int i = processes.size() - 1; i >= 0; i--) {
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
            .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb.start();
  }

  private void awaitPort(int port) throws InterruptedException {
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
            + dir.resolve("master.log")
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
