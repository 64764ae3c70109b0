package example;

import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import java.nio.file.Path;
import java.util.Map;

/** Uses executorch4j as a plain dependency: y = 2x + 3 for x = 2 must print 7.0. */
public class Consumer {
  public static void main(String[] args) {
    try (var model = ExecuTorchModel.load(Path.of(args[0]))) {
      Map<String, Tensor> out = model.forward(Map.of("input_0", new float[] {2f}));
      float y = out.get("output_0").toFloatArray()[0];
      System.out.println("consumer: linear_regression(2) = " + y);
      if (y != 7f) {
        System.exit(1);
      }
    }
  }
}
