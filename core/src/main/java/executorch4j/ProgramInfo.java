package executorch4j;

import java.util.List;

/**
 * What a program declares, read without loading any method (so no kernel or delegate runs): its
 * methods' inputs, outputs, planned memory and backends, and its data segments. Works for every
 * dtype and for programs whose methods cannot load (a missing backend or operator). Dynamic
 * dimensions are not known here (the runtime is probed for them when a method loads): {@link
 * TensorMeta#dynamicDims()} is empty.
 *
 * @param methods each method's declared metadata, in program order
 * @param segments data segments after the flatbuffer
 * @param sourceBytes size of the program source in bytes
 */
public record ProgramInfo(List<MethodMeta> methods, List<Segment> segments, long sourceBytes) {
  public ProgramInfo {
    methods = List.copyOf(methods);
    segments = List.copyOf(segments);
  }

  /** The method named {@code name}. */
  public MethodMeta method(String name) {
    return methods.stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new ExecuTorchException(ErrorCode.NOT_FOUND, "no method named '" + name + "'"));
  }
}
