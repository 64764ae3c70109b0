package executorch4j;

import executorch4j.internal.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Vets an untrusted model in a throw-away JVM before it is loaded in this one. ExecuTorch 1.5.1 can
 * still crash the process on some crafted programs that pass its verification (inside its kernels
 * and XNNPACK's delegate init, see KNOWN_ISSUES.md); a crash there cannot be caught. So the child
 * process loads the program with full verification and runs every method once on zero inputs: if it
 * dies or hangs, {@link #check} throws {@link ErrorCode#UNSAFE_PROGRAM} and this process never
 * touches the file. Costs one JVM start (about a second); use it for models from users or the
 * network, not for the ones you ship.
 *
 * <pre>{@code
 * IsolatedCheck.check(downloaded, Duration.ofSeconds(30)); // throws if it would crash us
 * try (var model = ExecuTorchModel.load(downloaded)) { ... }
 * }</pre>
 */
public final class IsolatedCheck {
  private IsolatedCheck() {}

  /**
   * Loads and runs {@code model} once in a child JVM. Returns normally when the child survived: the
   * program ran, or was rejected with a clean {@link ExecuTorchException}, which an in-process load
   * then reports the same way.
   *
   * @throws ExecuTorchException {@link ErrorCode#UNSAFE_PROGRAM} if the child crashed or timed out,
   *     {@link ErrorCode#FILE_NOT_FOUND} if there is no such file
   */
  public static void check(Path model, Duration timeout) {
    if (!Files.isRegularFile(model)) {
      throw new ExecuTorchException(ErrorCode.FILE_NOT_FOUND, "no such model file: " + model);
    }
    Path errors = null;
    try {
      errors = Files.createTempDirectory("executorch4j-check");
      Process p =
          ChildJvm.start(
              IsolatedCheckChild.class,
              List.of(
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-XX:-CreateCoredumpOnCrash",
                  "-XX:ErrorFile=" + errors.resolve("hs_err_%p.log")),
              List.of(model.toAbsolutePath().toString()));
      byte[] out;
      boolean finished;
      try (var in = p.getInputStream()) {
        finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
          p.destroyForcibly().waitFor();
        }
        out = in.readAllBytes();
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (!finished) {
        throw new ExecuTorchException(
            ErrorCode.UNSAFE_PROGRAM,
            model
                + ": loading and running it did not finish within "
                + timeout.toSeconds()
                + " s in an isolated process; not loaded");
      }
      if (p.exitValue() != 0 || !text.contains("\nDONE")) {
        int code = p.exitValue();
        String why =
            code > 128
                ? "killed by signal " + (code - 128) + signalName(code - 128)
                : text.contains("fatal error has been detected")
                    ? "a fatal error in native code"
                    : "exit code " + code;
        throw new ExecuTorchException(
            ErrorCode.UNSAFE_PROGRAM,
            model
                + " crashed ExecuTorch's runtime in an isolated"
                + " process ("
                + why
                + "); it was not loaded in this one. See KNOWN_ISSUES.md.");
      }
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot start the isolated check process: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecuTorchException(
          ErrorCode.INTERRUPTED, "interrupted while checking " + model, e);
    } finally {
      deleteAll(errors);
    }
  }

  /** {@link #check(Path, Duration)} for a program in memory (written to a temporary file). */
  public static void check(byte[] program, Duration timeout) {
    Path file = null;
    try {
      file = Files.createTempFile("executorch4j-check", ".pte");
      Files.write(file, program);
      check(file, timeout);
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR,
          "cannot write the program for the isolated check: " + e.getMessage(),
          e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  private static String signalName(int signal) {
    return switch (signal) {
      case 6 -> " SIGABRT";
      case 8 -> " SIGFPE";
      case 9 -> " SIGKILL";
      case 11 -> " SIGSEGV";
      default -> "";
    };
  }

  private static void deleteAll(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }
}
