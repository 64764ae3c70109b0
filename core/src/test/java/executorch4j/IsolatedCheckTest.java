package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Untrusted models are vetted in a throw-away JVM: the programs that crash ExecuTorch 1.5.1 inside
 * its kernels or XNNPACK (found by libFuzzer, fuzz/crashers) are flagged UNSAFE_PROGRAM there and
 * never touch this process; good and cleanly rejected models pass.
 */
class IsolatedCheckTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  static Stream<Path> jvmKillers() {
    List<Path> killers = Crashers.where("kills-jvm");
    assertEquals(
        20, killers.size(), "fuzz/crashers/INDEX.tsv lists 20 programs that kill a plain JVM");
    return killers.stream();
  }

  @ParameterizedTest
  @MethodSource("jvmKillers")
  void aProgramThatWouldCrashTheJvmIsFlagged(Path crasher) {
    ExecuTorchException e =
        assertThrows(ExecuTorchException.class, () -> IsolatedCheck.check(crasher, TIMEOUT));
    assertEquals(ErrorCode.UNSAFE_PROGRAM, e.errorCode());
    assertTrue(
        e.getMessage().contains("crashed ExecuTorch's runtime in an isolated process"),
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"linear_regression", "mlp_xnnpack", "two_methods"})
  void aGoodModelPassesAndThenLoads(String name) {
    IsolatedCheck.check(Fixtures.pte(name), TIMEOUT);
    try (ExecuTorchModel model = ExecuTorchModel.load(Fixtures.pte(name))) {
      assertTrue(model.isLoaded());
    }
  }

  @Test
  void aCleanlyRejectedModelPassesAndTheInProcessLoadSaysWhy() throws Exception {
    byte[] bytes = Files.readAllBytes(Fixtures.pte("mlp_portable"));
    Path cut = tmp.resolve("truncated.pte");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    IsolatedCheck.check(cut, TIMEOUT); // the child survived: the runtime rejects it cleanly
    ExecuTorchException e =
        assertThrows(ExecuTorchException.class, () -> ExecuTorchModel.load(cut));
    assertEquals(ErrorCode.INVALID_PROGRAM, e.errorCode());
  }

  @Test
  void aMissingFileIsNotFound() {
    ExecuTorchException e =
        assertThrows(
            ExecuTorchException.class, () -> IsolatedCheck.check(tmp.resolve("nope.pte"), TIMEOUT));
    assertEquals(ErrorCode.FILE_NOT_FOUND, e.errorCode());
  }
}
