package executorch4j.spark;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Driver side: copies a model (any path Hadoop reads: local, {@code file:}, {@code hdfs:}, {@code
 * s3a:} ...) into a local staging folder under its content hash, and ships its bytes to the
 * executors as a broadcast variable, made once per {@link SparkContext} and program.
 *
 * <p>Why a broadcast and not {@code SparkContext.addFile}: on a Spark 4.2 standalone cluster
 * (StandaloneClusterTest), a file this library added with {@code addFile} while the application was
 * running was never fetched by the executors of the Dataset jobs that followed (we attribute it to
 * Spark 4's per-session artifact sets); broadcasts reach every job.
 */
final class ModelStaging {
  private static final Map<String, String> HASH_BY_KEY = new ConcurrentHashMap<>();
  private static final Map<String, Broadcast<byte[]>> SHIPPED = new ConcurrentHashMap<>();
  private static volatile Path stageDir;

  private ModelStaging() {}

  /** Stages {@code modelPath} in this JVM and returns its SHA-256. */
  static String stage(SparkContext sc, String modelPath) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(modelPath);
    try {
      FileSystem fs = p.getFileSystem(sc.hadoopConfiguration());
      org.apache.hadoop.fs.FileStatus status;
      try {
        status = fs.getFileStatus(p);
      } catch (java.io.FileNotFoundException e) {
        throw new ExecuTorchException(
            ErrorCode.FILE_NOT_FOUND, "model file not found: " + modelPath, e);
      }
      String key = status.getPath() + "|" + status.getLen() + "|" + status.getModificationTime();
      String known = HASH_BY_KEY.get(key);
      if (known != null) {
        return known;
      }
      Path dir = stageDir();
      Path tmp = Files.createTempFile(dir, "staging", ".tmp");
      try (InputStream in = fs.open(p)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      String sha = ExecutorModels.sha256(tmp);
      Path target = dir.resolve(ExecutorModels.fileName(sha));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      target.toFile().deleteOnExit();
      ExecutorModels.registerLocalFile(sha, target);
      HASH_BY_KEY.put(key, sha);
      return sha;
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read model " + modelPath + ": " + e, e);
    }
  }

  /** A staged program and the broadcast of its bytes. */
  record Shipped(String sha256, Broadcast<byte[]> bytes) {}

  /** Stages the model and broadcasts its bytes to {@code sc}'s executors (once per context). */
  static Shipped ship(SparkContext sc, String modelPath) {
    String sha = stage(sc, modelPath);
    Broadcast<byte[]> b =
        SHIPPED.computeIfAbsent(
            sc.applicationId() + "/" + sha,
            k -> {
              Path file = stageDir().resolve(ExecutorModels.fileName(sha));
              try {
                if (Files.size(file) > Integer.MAX_VALUE - 16) {
                  throw new ExecuTorchException(
                      ErrorCode.NOT_SUPPORTED,
                      "model "
                          + modelPath
                          + " is "
                          + Files.size(file)
                          + " bytes; executorch4j-spark ships models up to 2 GiB");
                }
                return new JavaSparkContext(sc).broadcast(Files.readAllBytes(file));
              } catch (IOException e) {
                throw new ExecuTorchException(
                    ErrorCode.IO_ERROR, "cannot read staged model " + file + ": " + e, e);
              }
            });
    return new Shipped(sha, b);
  }

  private static Path stageDir() {
    Path d = stageDir;
    if (d == null) {
      synchronized (ModelStaging.class) {
        if (stageDir == null) {
          try {
            stageDir = Files.createTempDirectory("executorch4j-spark-");
            stageDir.toFile().deleteOnExit();
          } catch (IOException e) {
            throw new ExecuTorchException(
                ErrorCode.IO_ERROR, "cannot create a staging folder: " + e, e);
          }
        }
        d = stageDir;
      }
    }
    return d;
  }
}
