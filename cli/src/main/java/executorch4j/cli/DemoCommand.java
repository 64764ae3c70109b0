package executorch4j.cli;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/** {@code demo}: the bundled linear-regression model over the spec's table. */
final class DemoCommand {
  private final PrintStream out;

  DemoCommand(PrintStream out) {
    this.out = out;
  }

  void run() {
    byte[] bytes;
    try (InputStream in =
        Main.class.getResourceAsStream("/executorch4j/demo/linear_regression.pte")) {
      if (in == null) {
        throw new ExecuTorchException(
            executorch4j.ErrorCode.NOT_FOUND, "the demo model is missing from the jar");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new ExecuTorchException(
          executorch4j.ErrorCode.ACCESS_FAILED, "cannot read the demo model", e);
    }
    try (var model = ExecuTorchModel.load(executorch4j.ModelSource.bytes(bytes))) {
      out.println("linear_regression.pte: y = 2x + 3, run by ExecuTorch from Java");
      out.println("   input | expected |   output");
      boolean ok = true;
      for (float x : new float[] {0, 1, 2, -1}) {
        float expected = 2 * x + 3;
        float y =
            model.forward(Map.of("input_0", new float[] {x})).get("output_0").toFloatArray()[0];
        ok &= Math.abs(y - expected) < 1e-6;
        out.printf("%8.1f | %8.1f | %8.1f%n", x, expected, y);
      }
      out.printf(
          "average inference time: %.1f us over %d runs%n",
          model.inferenceStats().meanNanos() / 1000.0, model.inferenceStats().count());
      if (!ok) {
        throw new ExecuTorchException(
            executorch4j.ErrorCode.INTERNAL, "demo outputs differ from y = 2x + 3");
      }
    }
  }
}
