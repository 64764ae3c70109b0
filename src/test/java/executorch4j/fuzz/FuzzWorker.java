package executorch4j.fuzz;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.MethodMeta;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs mutation cases in this (forked) JVM and reports each on stdout before and after, so the
 * parent knows which case a crash happened in. Usage:
 * {@code FuzzWorker FIXTURE.pte SEED FIRST COUNT} or {@code FuzzWorker --file CASE.pte}.
 * Lines: {@code START k}, then {@code OK k} (loaded and ran) or {@code REJECTED k CODE} (a typed
 * exception); {@code DONE} at the end. Anything else escaping is a bug.
 */
public final class FuzzWorker {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("--file")) {
      System.out.println("START 0");
      System.out.println(runCase(Files.readAllBytes(Path.of(args[1]))) + " 0");
      System.out.println("DONE");
      return;
    }
    byte[] original = Files.readAllBytes(Path.of(args[0]));
    long seed = Long.parseLong(args[1]);
    int first = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    for (int k = first; k < first + count; k++) {
      System.out.println("START " + k);
      System.out.flush();
      String result = runCase(Mutations.mutate(original, seed, k));
      System.out.println(result.replace(" ", " " + k + " ").replaceFirst("^(\\w+)$", "$1 " + k));
      System.out.flush();
    }
    System.out.println("DONE");
  }

  /** "OK" or "REJECTED CODE"; throws for anything that is not an ExecuTorchException. */
  static String runCase(byte[] bytes) {
    try (ExecuTorchModel model = ExecuTorchModel.load(bytes)) {
      for (String name : model.methodNames()) {
        MethodMeta meta = model.methodMeta(name);
        Tensor[] inputs = new Tensor[meta.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
          TensorMeta t = meta.inputs().get(i);
          if (!t.isTensor() || t.numel() > (1 << 24)) {
            return "REJECTED UNSUPPORTED_INPUT";
          }
          inputs[i] = Tensor.fromArray(new double[(int) t.numel()], t.dtype(), t.shape());
        }
        model.execute(name, inputs);
      }
      return "OK";
    } catch (ExecuTorchException e) {
      return "REJECTED " + e.errorCode();
    }
  }
}
