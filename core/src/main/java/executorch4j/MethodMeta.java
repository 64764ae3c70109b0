package executorch4j;

import java.util.List;

/**
 * What a program declares for one method.
 *
 * @param name method name, e.g. {@code forward}
 * @param inputs inputs in order ({@code input_0 ...})
 * @param outputs outputs in order ({@code output_0 ...})
 * @param plannedBufferSizes sizes of the memory-planned buffers the method needs
 * @param backends ids of the delegate backends the method uses (e.g. {@code XnnpackBackend})
 */
public record MethodMeta(
    String name,
    List<TensorMeta> inputs,
    List<TensorMeta> outputs,
    List<Long> plannedBufferSizes,
    List<String> backends) {

  public MethodMeta {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    plannedBufferSizes = List.copyOf(plannedBufferSizes);
    backends = List.copyOf(backends);
  }

  /** Total bytes of memory-planned buffers (activations and I/O). */
  public long plannedBytes() {
    return plannedBufferSizes.stream().mapToLong(Long::longValue).sum();
  }

  /** Input names in order. */
  public List<String> inputNames() {
    return inputs.stream().map(TensorMeta::name).toList();
  }

  /** Output names in order. */
  public List<String> outputNames() {
    return outputs.stream().map(TensorMeta::name).toList();
  }
}
