package executorch4j.godot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One run of the Godot host harness as a child process, bounded by a timeout. Its output goes to a
 * file and is read after it exits: reading the pipe before {@code waitFor(timeout)} would block
 * until the child ends, so a hung harness would hang the build instead of failing the test.
 */
record HostRun(int exitCode, String out) {
  /** How long one harness scenario may take (a JVM start inside the host, a model load or two). */
  static final Duration TIMEOUT = Duration.ofMinutes(3);

  /** Starts {@code pb} (stderr merged into stdout) and waits for it; fails the test if it hangs. */
  static HostRun of(ProcessBuilder pb) throws IOException, InterruptedException {
    Path log = Files.createTempFile("gdhost", ".log");
    try {
      Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "the host harness hung: killed after "
                + TIMEOUT.toSeconds()
                + " s; its output so far:\n"
                + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new HostRun(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
