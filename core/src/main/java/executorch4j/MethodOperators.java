package executorch4j;

import java.util.List;

/**
 * The operators one method of a program calls, and which of them the runtime of this process has no
 * kernel for (by name) at the time of the check.
 *
 * @param method method name
 * @param operators the method's operator table, e.g. {@code aten::add.out}, in program order
 * @param missing the operators without a kernel: the method cannot load until they are registered
 *     ({@link ExecuTorchRuntime#registerKernel}) or loaded ({@link
 *     ExecuTorchRuntime#loadOperatorLibrary})
 */
public record MethodOperators(String method, List<String> operators, List<String> missing) {
  public MethodOperators {
    operators = List.copyOf(operators);
    missing = List.copyOf(missing);
  }

  /** Whether every operator has a kernel. */
  public boolean isComplete() {
    return missing.isEmpty();
  }
}
