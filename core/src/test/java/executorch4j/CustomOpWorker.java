package executorch4j;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs fixtures/custom_op.pte under its own operator name in a fresh JVM (a kernel lasts for the
 * life of a JVM, and the test JVM keeps that name unregistered): {@code java CustomOpWorker java}
 * registers {@link CustomOps#TIMES_THREE}, {@code java CustomOpWorker library LIB.so} loads an
 * operator library. Prints what it saw, one fact per line, for {@link CustomOperatorProcessTest} to
 * check; the parent asserts, this only reports.
 */
public final class CustomOpWorker {
  private CustomOpWorker() {}

  public static void main(String[] args) {
    Path pte = Fixtures.pte("custom_op");
    System.out.println("MISSING_BEFORE " + ExecuTorchRuntime.operators(pte).get(0).missing());
    switch (args[0]) {
      case "java" -> ExecuTorchRuntime.registerKernel(CustomOps.MUL3, CustomOps.TIMES_THREE);
      case "library" ->
          System.out.println("ADDED " + ExecuTorchRuntime.loadOperatorLibrary(Path.of(args[1])));
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.println("MISSING_AFTER " + ExecuTorchRuntime.operators(pte).get(0).missing());
    System.out.println(
        "REGISTERED " + ExecuTorchRuntime.registeredOperators().contains(CustomOps.MUL3));
    List<Fixtures.Case> cases = Fixtures.golden("custom_op").methods().get("forward").cases();
    try (var model = ExecuTorchModel.load(pte)) {
      for (Fixtures.Case c : cases) {
        Tensor out = model.forward(c.inputs().get(0).toTensor()).get("output_0");
        StringBuilder line =
            new StringBuilder("OUTPUT ")
                .append(out.dtype())
                .append(' ')
                .append(java.util.Arrays.toString(out.shape()).replace(" ", ""));
        for (float v : out.toFloatArray()) {
          line.append(' ').append(Float.floatToRawIntBits(v)); // exact, no decimal rounding
        }
        System.out.println(line);
      }
    }
    System.out.println("DONE");
  }
}
