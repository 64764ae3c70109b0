package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Test helpers around fixtures/custom_op.pte, whose forward is executorch4j_test::mul3(x) = x * 3.
 */
final class CustomOps {
  /** The operator custom_op.pte calls. */
  static final String MUL3 = "executorch4j_test::mul3.out";

  private CustomOps() {}

  /**
   * custom_op.pte with its operator renamed to {@code executorch4j_test::<op>.out} ({@code op} of
   * four characters, replacing "mul3" in place, so every offset stays valid). A kernel lasts for
   * the life of the JVM, so each test registers its own name; the original name stays unregistered
   * in the test JVM (ErrorsTest expects it missing).
   */
  static byte[] renamed(String op) {
    if (op.length() != 4) {
      throw new IllegalArgumentException("a replacement of 4 characters, got " + op);
    }
    try {
      byte[] pte = Files.readAllBytes(Fixtures.pte("custom_op"));
      byte[] from = "executorch4j_test::mul3".getBytes(StandardCharsets.US_ASCII);
      int at = indexOf(pte, from);
      assertEquals(
          -1,
          indexOf(java.util.Arrays.copyOfRange(pte, at + 1, pte.length), from),
          "custom_op.pte names its operator once");
      byte[] to = op.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(to, 0, pte, at + from.length - 4, 4);
      return pte;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same kernel a user would write: out = x * 3 in float32, through checked setOutput. */
  static final OperatorKernel TIMES_THREE =
      call -> {
        float[] x = call.tensor(0).toFloatArray();
        for (int i = 0; i < x.length; i++) {
          x[i] *= 3f;
        }
        call.setOutput(0, Tensor.of(x, call.tensor(0).shape()));
      };

  /** Writes x * 3 straight into the out view (no copy). */
  static final OperatorKernel TIMES_THREE_IN_PLACE =
      call -> {
        Tensor x = call.tensor(0);
        Tensor out = call.output(0);
        for (long i = 0; i < x.numel(); i++) {
          out.segment()
              .setAtIndex(
                  ValueLayout.JAVA_FLOAT,
                  i,
                  x.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i) * 3f);
        }
      };

  private static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * Builds core/src/test/native/mul3_ops (a C++ operator library) with CMake against the wheel's
   * SDK into target/, and returns the library. Fails (never skips) when the SDK or cmake is
   * missing.
   */
  static synchronized Path buildMul3Library() throws IOException, InterruptedException {
    Path sdk = Path.of(".cache/executorch-sdk-1.5.1/executorch").toAbsolutePath();
    if (!Files.isDirectory(sdk.resolve("include"))) {
      throw new AssertionError(
          "no ExecuTorch SDK at " + sdk + " (native-libs/build.sh unpacks it)");
    }
    Path source = Path.of("core/src/test/native/mul3_ops").toAbsolutePath();
    Path build = Path.of("core/target/mul3_ops-build").toAbsolutePath();
    run(
        List.of(
            "cmake",
            "-S",
            source.toString(),
            "-B",
            build.toString(),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DEXECUTORCH_ROOT=" + sdk));
    run(List.of("cmake", "--build", build.toString()));
    Path lib = build.resolve("libmul3_ops.so");
    if (!Files.isRegularFile(lib)) {
      throw new AssertionError("cmake built no " + lib);
    }
    return lib;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(300));
    if (child.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + child.out());
    }
  }
}
