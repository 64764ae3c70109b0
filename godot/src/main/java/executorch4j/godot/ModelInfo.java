package executorch4j.godot;

import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.MethodMeta;
import executorch4j.TensorMeta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a loaded model is, as ExecuTorchResource's getters and the inspector's "Model Info" group
 * show it: method names, tensor names, shapes and signatures, backends, planned memory, metadata
 * and version. Every method takes the model (null when none is loaded) and returns an empty value
 * for null.
 */
final class ModelInfo {
  private ModelInfo() {}

  /**
   * get_model_version: a .pte carries no version string of its own, so this names what the program
   * runs on and what it is: the runtime that loaded it, e.g. {@code "executorch4j-facade 0.1.0
   * (ExecuTorch 1.5.1)"}, and the program's methods, e.g. {@code "; methods: forward"}. Empty when
   * no model is loaded.
   */
  static String version(ExecuTorchModel model) {
    if (model == null) {
      return "";
    }
    return ExecuTorchRuntime.version() + "; methods: " + String.join(", ", model.methodNames());
  }

  static String[] names(ExecuTorchModel model, boolean inputs) {
    if (model == null) {
      return new String[0];
    }
    MethodMeta m =
        model.methodMeta(
            model.methodNames().contains("forward") ? "forward" : model.methodNames().getFirst());
    return (inputs ? m.inputNames() : m.outputNames()).toArray(String[]::new);
  }

  static List<Object> shapes(ExecuTorchModel model, boolean inputs) {
    List<Object> out = new ArrayList<>();
    if (model != null) {
      MethodMeta m =
          model.methodMeta(
              model.methodNames().contains("forward") ? "forward" : model.methodNames().getFirst());
      for (TensorMeta t : inputs ? m.inputs() : m.outputs()) {
        out.add(t.shape());
      }
    }
    return out;
  }

  static String[] signatures(ExecuTorchModel model, boolean inputs) {
    if (model == null) {
      return new String[0];
    }
    List<String> out = new ArrayList<>();
    for (String name : model.methodNames()) {
      MethodMeta m = model.methodMeta(name);
      String prefix = model.methodNames().size() > 1 ? name + "." : "";
      for (TensorMeta t : inputs ? m.inputs() : m.outputs()) {
        out.add(prefix + t.name() + ": " + t.signature());
      }
    }
    return out.toArray(String[]::new);
  }

  static String[] backends(ExecuTorchModel model) {
    if (model == null) {
      return new String[0];
    }
    return model.methodNames().stream()
        .flatMap(n -> model.methodMeta(n).backends().stream())
        .distinct()
        .toArray(String[]::new);
  }

  static long plannedBytes(ExecuTorchModel model) {
    return model == null
        ? 0L
        : model.methodNames().stream().mapToLong(n -> model.methodMeta(n).plannedBytes()).sum();
  }

  static Map<String, Object> metadata(ExecuTorchModel model, String modelName, String sourcePath) {
    Map<String, Object> md = new LinkedHashMap<>();
    if (model == null) {
      return md;
    }
    md.put("model_name", modelName);
    md.put("file_size", model.sourceBytes());
    md.put("source_file_path", sourcePath);
    md.put("method_names", model.methodNames().toArray(String[]::new));
    Map<String, Object> methods = new LinkedHashMap<>();
    for (String name : model.methodNames()) {
      MethodMeta m = model.methodMeta(name);
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("inputs", tensors(m.inputs()));
      mm.put("outputs", tensors(m.outputs()));
      mm.put("planned_bytes", m.plannedBytes());
      mm.put("backends", m.backends().toArray(String[]::new));
      methods.put(name, mm);
    }
    md.put("methods", methods);
    return md;
  }

  private static List<Object> tensors(List<TensorMeta> ts) {
    List<Object> out = new ArrayList<>();
    for (TensorMeta t : ts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("dtype", t.isTensor() ? t.dtype().label() : "non-tensor");
      m.put("shape", t.shape());
      m.put("dynamic", t.isDynamic());
      out.add(m);
    }
    return out;
  }
}
