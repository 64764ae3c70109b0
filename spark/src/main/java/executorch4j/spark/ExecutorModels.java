package executorch4j.spark;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
import executorch4j.LoadOptions;
import executorch4j.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one JVM (driver or executor), keyed by the SHA-256 of their bytes (and the {@link
 * Isolation} they run with): each program is loaded once per JVM and shared by every task of that
 * JVM; all are closed at JVM shutdown.
 *
 * <p>Executors get a program's bytes from a Spark broadcast variable the driver made (read once per
 * JVM, when the program is first needed there); their hash is checked before loading. A JVM that
 * staged the file itself (the driver, or local mode) loads its own copy.
 *
 * <p>A model whose worker process died ({@link ErrorCode#WORKER_CRASHED}, {@link
 * ErrorCode#TIMEOUT}) fails every later call, so {@link #replace} evicts it and loads the program
 * again; {@link #evictionCount} counts these and each is logged.
 *
 * <p>Thread-safety: {@link #get} and {@link #replace} may be called from any task thread. An {@link
 * ExecuTorchModel} serializes its own calls; callers that read outputs hold the model's monitor
 * from the call until the outputs are copied (outputs are views valid until the next call).
 */
public final class ExecutorModels {
  private static final Map<String, ExecuTorchModel> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, Path> LOCAL_FILES = new ConcurrentHashMap<>();
  private static final AtomicLong EVICTIONS = new AtomicLong();
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ExecutorModels::closeAll, "executorch4j-spark-close"));
  }

  private ExecutorModels() {}

  /** Records that this JVM holds the program with {@code sha256} at {@code file}. */
  static void registerLocalFile(String sha256, Path file) {
    LOCAL_FILES.putIfAbsent(sha256, file);
  }

  /**
   * The loaded program whose bytes hash to {@code sha256}, loading it on first use.
   *
   * @throws ExecuTorchException if the file is missing, its hash differs, or the runtime refuses
   *     the program (the runtime's own code and message)
   */
  static ExecuTorchModel get(String sha256, Isolation isolation, Supplier<byte[]> shipped) {
    String key = sha256 + "/" + isolation;
    ExecuTorchModel model = MODELS.get(key);
    if (model != null) {
      return model;
    }
    synchronized (ExecutorModels.class) {
      return MODELS.computeIfAbsent(key, k -> load(sha256, isolation, shipped));
    }
  }

  /** The program staged in this JVM (driver side). */
  static ExecuTorchModel get(String sha256, Isolation isolation) {
    return get(sha256, isolation, null);
  }

  /**
   * Whether a call that failed with {@code e} on a model from this cache needs the model replaced:
   * its worker is gone (it crashed, or was killed at a timeout), or another task thread already
   * evicted and closed it.
   */
  static boolean workerLost(ExecuTorchException e) {
    return switch (e.errorCode()) {
      case WORKER_CRASHED, TIMEOUT, CLOSED -> true;
      default -> false;
    };
  }

  /**
   * Evicts {@code dead} (if it is still the cached model: of the task threads that saw it fail, the
   * first evicts it, the others get its replacement) and returns the model now cached, loading it
   * again if needed.
   *
   * @param why the failure that showed {@code dead}'s worker is gone, for the log
   * @throws ExecuTorchException as {@link #get(String, Isolation, Supplier)} if the program does
   *     not load again
   */
  static ExecuTorchModel replace(
      String sha256,
      Isolation isolation,
      Supplier<byte[]> shipped,
      ExecuTorchModel dead,
      ExecuTorchException why) {
    boolean evicted;
    synchronized (ExecutorModels.class) {
      evicted = MODELS.remove(sha256 + "/" + isolation, dead);
    }
    if (evicted) {
      long n = EVICTIONS.incrementAndGet();
      LOG.warn(
          "evicted model {} ({} isolation) and loading it again: {} (evictions in this JVM: {})",
          fileName(sha256),
          isolation,
          why.getMessage(),
          n);
      // Waits for calls still running on it (they fail too: its worker is gone).
      try {
        dead.close();
      } catch (RuntimeException e) {
        // Its native side is gone with the worker; loading the replacement matters more.
        LOG.warn("closing the evicted model {} failed: {}", fileName(sha256), e.toString());
      }
    }
    return get(sha256, isolation, shipped);
  }

  /** How many programs this JVM holds loaded (for tests and monitoring). */
  public static int loadedCount() {
    return MODELS.size();
  }

  /**
   * How many models this JVM evicted because their worker process died or was killed for a timeout
   * ({@link ErrorCode#WORKER_CRASHED}, {@link ErrorCode#TIMEOUT}); each was loaded again.
   */
  public static long evictionCount() {
    return EVICTIONS.get();
  }

  private static ExecuTorchModel load(
      String sha256, Isolation isolation, Supplier<byte[]> shipped) {
    LoadOptions options = LoadOptions.defaults().withIsolation(isolation);
    Path file = LOCAL_FILES.get(sha256);
    if (file != null) {
      return ExecuTorchModel.load(ModelSource.file(file), options);
    }
    if (shipped == null) {
      throw new ExecuTorchException(
          ErrorCode.FILE_NOT_FOUND,
          "model " + fileName(sha256) + " was neither staged in this JVM nor shipped to it");
    }
    byte[] bytes = shipped.get();
    String actual = sha256(bytes);
    if (!actual.equals(sha256)) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR,
          "the model shipped to this executor has SHA-256 " + actual + ", expected " + sha256);
    }
    return ExecuTorchModel.load(ModelSource.bytes(bytes), options);
  }

  /** The name a program is shipped under. */
  static String fileName(String sha256) {
    return sha256 + ".pte";
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read model file " + file + ": " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void closeAll() {
    for (ExecuTorchModel m : MODELS.values()) {
      try {
        m.close();
      } catch (RuntimeException ignored) {
        // shutting down: nothing left to report to
      }
    }
    MODELS.clear();
  }
}
