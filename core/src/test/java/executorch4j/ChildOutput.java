package executorch4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a child process with a timeout that bounds its whole run: its output is read on another
 * thread (reading it on the caller's thread first would block until the child exits, so a {@code
 * waitFor(timeout)} after it bounds nothing). A child still running at the timeout is killed (with
 * its descendants) and the test fails, showing the output so far.
 */
public final class ChildOutput {
  /** How a child ended: its exit code and its standard output (with stderr if merged). */
  public record Ended(int exitCode, String out) {}

  private ChildOutput() {}

  /**
   * Reads {@code p}'s output until it exits, at most {@code timeout}; fails the test if it hangs.
   */
  public static Ended await(Process p, Duration timeout) throws InterruptedException {
    var buffer = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), buffer));
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      reader.join(Duration.ofSeconds(10));
      throw new AssertionError(
          "the child process hung: killed after "
              + timeout.toSeconds()
              + " s; its output so far:\n"
              + text(buffer));
    }
    reader.join(Duration.ofSeconds(30)); // the rest of the pipe, unless a grandchild still holds it
    return new Ended(p.exitValue(), text(buffer));
  }

  private static void copy(InputStream in, ByteArrayOutputStream to) {
    byte[] chunk = new byte[8192];
    try (in) {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        synchronized (to) {
          to.write(chunk, 0, n);
        }
      }
    } catch (IOException e) { // e.g. the pipe closed under a killed child: shown with the output
      byte[] note =
          ("\n[reading the child's output failed: " + e + "]\n").getBytes(StandardCharsets.UTF_8);
      synchronized (to) {
        to.write(note, 0, note.length);
      }
    }
  }

  private static String text(ByteArrayOutputStream buffer) {
    synchronized (buffer) {
      return buffer.toString(StandardCharsets.UTF_8);
    }
  }
}
