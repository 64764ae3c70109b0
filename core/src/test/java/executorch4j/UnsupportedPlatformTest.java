package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.internal.ChildJvm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM on a platform without natives (here: one that reports Windows) gets, on every call, an
 * ExecuTorchException that names its platform and the supported ones; nothing native is loaded,
 * nothing crashes, and no ExceptionInInitializerError or NoClassDefFoundError leaks out.
 */
class UnsupportedPlatformTest {

  /** Runs in the child JVM: two loads, each must fail with the same typed exception. */
  public static void main(String[] args) {
    for (int attempt = 1; attempt <= 2; attempt++) {
      try {
        ExecuTorchModel.load(java.nio.file.Path.of("fixtures/linear_regression.pte")).close();
        System.out.println("attempt " + attempt + ": loaded");
      } catch (ExecuTorchException e) {
        System.out.println("attempt " + attempt + ": " + e.errorCode() + " " + e.getMessage());
      } catch (Throwable t) {
        System.out.println("attempt " + attempt + ": " + t);
      }
    }
  }

  @Test
  void windowsGetsATypedErrorNamingThePlatformsOnEveryCall() throws Exception {
    Process p =
        ChildJvm.start(
            UnsupportedPlatformTest.class,
            List.of("-Dos.name=Windows 11", "-Dos.arch=amd64"),
            List.of());
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(60));
    String out = child.out();
    assertEquals(0, child.exitCode(), out);
    List<String> lines = out.lines().filter(l -> l.startsWith("attempt ")).toList();
    assertEquals(2, lines.size(), out);
    for (String line : lines) {
      assertTrue(
          line.contains("NOT_SUPPORTED")
              && line.contains("windows-x86_64")
              && line.contains("linux-x86_64, linux-aarch64, macos-aarch64"),
          line);
    }
  }
}
