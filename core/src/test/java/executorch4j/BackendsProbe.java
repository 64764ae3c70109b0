package executorch4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link BackendsTest} in a fresh JVM (a backend, once loaded, stays for the process): lists
 * the backends, loads fixtures/mlp_openvino.pte and runs its golden inputs, and says at each step
 * whether any OpenVINO library is mapped into the process. One fact per line.
 */
final class BackendsProbe {
  private BackendsProbe() {}

  public static void main(String[] args) throws IOException {
    System.out.println("MAPPED_AT_START " + openvinoMapped());
    for (Backend b : ExecuTorchRuntime.backends()) {
      System.out.println("BACKEND " + b);
    }
    System.out.println("MAPPED_AFTER_LIST " + openvinoMapped());
    // A program without OpenVINO delegates loads without touching it.
    try (var m = ExecuTorchModel.load(Fixtures.pte("mlp_xnnpack"))) {
      System.out.println("MAPPED_AFTER_XNNPACK_MODEL " + openvinoMapped());
    }
    // args[0], if any: a LoadMode for the file, or CHANNEL to stream it
    LoadOptions options = LoadOptions.defaults();
    ModelSource source = ModelSource.file(Fixtures.pte("mlp_openvino"));
    if (args.length > 0 && args[0].equals("CHANNEL")) {
      source = ModelSource.channel(Files.newByteChannel(Fixtures.pte("mlp_openvino")));
    } else if (args.length > 0) {
      options = options.withLoadMode(LoadMode.valueOf(args[0]));
    }
    try (var model = ExecuTorchModel.load(source, options)) {
      System.out.println("LOADED " + model.methodMeta("forward").backends());
      System.out.println("BACKEND_AFTER_LOAD " + ExecuTorchRuntime.backend("OpenvinoBackend"));
      for (Fixtures.Case c : Fixtures.golden("mlp_openvino").methods().get("forward").cases()) {
        Tensor out = model.forward(c.inputs().get(0).toTensor()).values().iterator().next();
        StringBuilder sb = new StringBuilder("OUTPUT ").append(out.dtype().label());
        for (double v : out.toDoubleArray()) {
          sb.append(' ').append(v);
        }
        System.out.println(sb);
      }
    } catch (ExecuTorchException e) {
      System.out.println("ERROR " + e.errorCode() + " " + e.getMessage());
    }
    System.out.println("MAPPED_AT_END " + openvinoMapped());
    System.out.println("DONE");
  }

  /** Whether the shipped backend or OpenVINO's runtime is mapped (Linux /proc/self/maps). */
  private static boolean openvinoMapped() throws IOException {
    return Files.readString(Path.of("/proc/self/maps")).contains("openvino");
  }
}
