package executorch4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of {@link IsolatedCheck}: loads a program and runs every method once, and says how
 * it went on stdout. Package-private: only the check (and tests) start it.
 */
final class IsolatedCheckChild {
  private IsolatedCheckChild() {}

  /**
   * Loads {@code bytes} with full verification and runs every method once on zero inputs. Returns
   * {@code "OK"} or {@code "REJECTED <ErrorCode>"}; anything else escapes.
   */
  static String loadAndRunOnce(byte[] bytes) {
    // Without the declared-bytes cap: the check vets the program for callers that may load it with
    // any options, and this throw-away JVM may spend what a program declares.
    return loadAndRunOnce(bytes, LoadOptions.defaults().withDeclaredBytesLimit(0));
  }

  /**
   * As {@link #loadAndRunOnce(byte[])}, loaded with {@code options} (e.g. {@link
   * Isolation#PROCESS}: a program that crashes the runtime then gives {@code "REJECTED
   * WORKER_CRASHED"}).
   */
  static String loadAndRunOnce(byte[] bytes, LoadOptions options) {
    try (ExecuTorchModel model = ExecuTorchModel.load(ModelSource.bytes(bytes), options)) {
      for (String name : model.methodNames()) {
        MethodMeta meta = model.methodMeta(name);
        Tensor[] inputs = new Tensor[meta.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
          TensorMeta t = meta.inputs().get(i);
          if (!t.isTensor() || t.numel() > (1 << 24)) {
            return "REJECTED " + ErrorCode.UNSUPPORTED_VALUE;
          }
          inputs[i] = Tensor.zeros(t.dtype(), t.shape());
        }
        model.execute(name, inputs);
      }
      return "OK";
    } catch (ExecuTorchException e) {
      return "REJECTED " + e.errorCode();
    }
  }

  /** The child process: {@code IsolatedCheck MODEL.pte}; prints the outcome, then DONE. */
  public static void main(String[] args) throws IOException {
    System.out.println(loadAndRunOnce(Files.readAllBytes(Path.of(args[0]))));
    System.out.println("DONE");
    System.out.flush();
  }
}
