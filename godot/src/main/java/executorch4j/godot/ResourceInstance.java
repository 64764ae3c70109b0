package executorch4j.godot;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.MemoryPolicy;
import executorch4j.MethodMeta;
import executorch4j.ModelSource;
import executorch4j.OptimizationLevel;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of one {@code ExecuTorchResource} and what its GDScript methods ({@link
 * ResourceMethods}) do: loading, settings, inference, saving. Failures are reported the Godot way:
 * an error printed through the engine and an empty result, never a crash.
 */
final class ResourceInstance {
  // Godot's Error enum values used as return codes.
  static final long OK = 0;
  static final long FAILED = 1;
  static final long ERR_UNAVAILABLE = 2;
  static final long ERR_OUT_OF_MEMORY = 6;
  static final long ERR_FILE_NOT_FOUND = 7;
  static final long ERR_FILE_CANT_WRITE = 13;
  static final long ERR_FILE_CANT_READ = 14;
  static final long ERR_FILE_CORRUPT = 16;
  static final long ERR_INVALID_PARAMETER = 31;

  /** The method _deliver_async, which the worker has Godot call on the main thread. */
  static final String DELIVER_ASYNC = "_deliver_async";

  private final Gd gd;
  final MemorySegment object;
  ExecuTorchModel model;

  /** The model's bytes when it came from a buffer (load_from_buffer, model_data); else empty. */
  private byte[] bytes = new byte[0];

  /** The res://, user:// or OS path the model came from; empty for a buffer. */
  String sourcePath = "";

  /** FileAccess the model streams from (res:// and user:// loads), open while it is loaded. */
  private GodotFile stream;

  MemoryPolicy policy = MemoryPolicy.AUTO;
  long poolBytes;
  OptimizationLevel level = OptimizationLevel.BASIC;
  private boolean profiling;
  long totalInferences;
  private long nextRequest = 1;

  /**
   * Finished async calls waiting for the main thread: id -> outputs (Map) or failure (Throwable).
   */
  private final Map<Long, Object> asyncResults = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Text generation (executorch4j-llm) on this resource's model; made at the first generation call,
   * so a class path without executorch4j-llm only fails those calls.
   */
  Generation llm;

  ResourceInstance(Gd gd, MemorySegment object) {
    this.gd = gd;
    this.object = object;
  }

  /** The generation part, or null (and an error printed) without executorch4j-llm. */
  Generation llm(String where) {
    if (llm == null) {
      try {
        llm = new Generation(gd, object);
      } catch (NoClassDefFoundError e) {
        fail(
            FAILED,
            where,
            "text generation needs the executorch4j-llm jar on the class path ("
                + e.getMessage()
                + ")");
        return null;
      }
    }
    return llm;
  }

  // ---------------------------------------------------------------- loading

  /**
   * res:// and user:// stream through Godot's FileAccess (packs included): the flatbuffer and then
   * each segment are read on demand, never the whole file. OS paths are memory-mapped.
   */
  long loadFromFile(String path) {
    return loadPath(path, "load_from_file");
  }

  /** From the resource loader: settings from the sidecar first, then a streaming load. */
  long loadFromResource(String path) {
    return loadPath(path, "load");
  }

  static boolean isGodotPath(String path) {
    return path.startsWith("res://") || path.startsWith("user://");
  }

  private long loadPath(String path, String where) {
    unload();
    bytes = new byte[0];
    if (!isGodotPath(path)) {
      if (!Files.isRegularFile(Path.of(path))) {
        return fail(ERR_FILE_NOT_FOUND, where, "no such file: " + path);
      }
      try {
        model = ExecuTorchModel.load(Path.of(path), options());
      } catch (ExecuTorchException e) {
        return fail(errorOf(e.errorCode()), where, e.getMessage());
      }
      sourcePath = path;
      return OK;
    }
    GodotFile file;
    try {
      file = GodotFile.open(gd, path, GodotFile.READ);
    } catch (IOException e) {
      return fail(ERR_FILE_NOT_FOUND, where, e.getMessage());
    }
    try {
      model = ExecuTorchModel.load(ModelSource.channel(file), options());
      stream = file;
      sourcePath = path;
      return OK;
    } catch (ExecuTorchException e) {
      file.close();
      return fail(errorOf(e.errorCode()), where, path + ": " + e.getMessage());
    } catch (RuntimeException e) {
      file.close();
      return fail(ERR_FILE_CANT_READ, where, "cannot read " + path + ": " + e.getMessage());
    }
  }

  long loadFromBuffer(byte[] data) {
    sourcePath = "";
    return loadBytes(data, "load_from_buffer");
  }

  private long loadBytes(byte[] data, String where) {
    unload();
    try {
      model = ExecuTorchModel.load(ModelSource.bytes(data), options());
      bytes = data;
      return OK;
    } catch (ExecuTorchException e) {
      return fail(errorOf(e.errorCode()), where, e.getMessage());
    }
  }

  /**
   * Where LLM metadata is read from: the OS file itself (memory-mapped), else the model's bytes.
   */
  Object programMetadataSource() {
    return !sourcePath.isEmpty() && !isGodotPath(sourcePath) ? Path.of(sourcePath) : modelData();
  }

  /** The model's bytes: kept for buffers, read back from the source for files. */
  byte[] modelData() {
    if (bytes.length > 0 || sourcePath.isEmpty()) {
      return bytes;
    }
    try {
      if (!isGodotPath(sourcePath)) {
        return Files.readAllBytes(Path.of(sourcePath));
      }
      return GodotFile.readAll(gd, sourcePath);
    } catch (IOException e) {
      fail(
          ERR_FILE_CANT_READ,
          "get_model_data",
          "cannot read " + sourcePath + ": " + e.getMessage());
      return new byte[0];
    }
  }

  private LoadOptions options() {
    LoadOptions o = LoadOptions.defaults().withOptimization(level).withProfiling(profiling);
    return policy == MemoryPolicy.STATIC ? o.withMemory(MemoryPolicy.STATIC, poolBytes) : o;
  }

  Object setModelData(byte[] data) {
    if (data.length == 0) {
      clear();
    } else {
      loadFromBuffer(data);
    }
    return null;
  }

  Object unload() {
    if (llm != null) llm.forget();
    if (model != null) {
      model.close();
      model = null;
    }
    if (stream != null) {
      stream.close(); // after the model: it reads segments until closed
      stream = null;
    }
    return null;
  }

  Object clear() {
    unload();
    bytes = new byte[0];
    sourcePath = "";
    totalInferences = 0;
    return null;
  }

  /** Settings take effect at the next load; a loaded model is reloaded with them now. */
  private Object reloadIfLoaded(String where) {
    if (model != null) {
      if (bytes.length > 0) {
        loadBytes(bytes, where);
      } else {
        loadPath(sourcePath, where);
      }
    }
    return null;
  }

  Object configureMemory(long p, long size) {
    if (p < 0 || p > 2) {
      fail(
          ERR_INVALID_PARAMETER,
          "configure_memory",
          "memory policy must be 0 (AUTO), 1 (STATIC) or 2 (CUSTOM), got " + p);
      return null;
    }
    String problem = Settings.poolProblem(size);
    if (problem != null) {
      fail(ERR_INVALID_PARAMETER, "configure_memory", problem);
      return null;
    }
    if (p == 2) {
      fail(
          ERR_UNAVAILABLE,
          "configure_memory",
          "MEMORY_POLICY_CUSTOM needs a NativeAllocator, which only the Java API can supply; using AUTO");
      p = 0;
    }
    policy = MemoryPolicy.values()[(int) p];
    poolBytes = size;
    if (policy == MemoryPolicy.STATIC && poolBytes == 0) {
      fail(
          ERR_INVALID_PARAMETER,
          "configure_memory",
          "MEMORY_POLICY_STATIC needs a pool size > 0; using AUTO");
      policy = MemoryPolicy.AUTO;
    }
    return reloadIfLoaded("configure_memory");
  }

  Object setLevel(long l) {
    if (l < 0 || l > 2) {
      fail(ERR_INVALID_PARAMETER, "set_optimization_level", "level must be 0, 1 or 2, got " + l);
      return null;
    }
    level = OptimizationLevel.values()[(int) l];
    return reloadIfLoaded("set_optimization_level");
  }

  Object enableProfiling(boolean on) {
    profiling = on;
    if (model != null) {
      model.enableProfiling(on);
    }
    return null;
  }

  /**
   * For models from players or the network: loads and runs {@code path} once in a separate JVM
   * first. OK if that process survived (load it then), ERR_FILE_CORRUPT if the model would have
   * crashed the game (see executorch4j.IsolatedCheck).
   */
  long checkIsolated(String path) {
    try {
      if (isGodotPath(path)) {
        executorch4j.IsolatedCheck.check(
            GodotFile.readAll(gd, path), java.time.Duration.ofSeconds(60));
      } else {
        executorch4j.IsolatedCheck.check(Path.of(path), java.time.Duration.ofSeconds(60));
      }
      return OK;
    } catch (ExecuTorchException e) {
      return fail(
          e.errorCode() == ErrorCode.FILE_NOT_FOUND ? ERR_FILE_NOT_FOUND : ERR_FILE_CORRUPT,
          "check_isolated",
          e.getMessage());
    } catch (IOException | RuntimeException e) {
      return fail(
          ERR_FILE_CANT_READ, "check_isolated", "cannot check " + path + ": " + e.getMessage());
    }
  }

  long saveToFile(String path) {
    return save(path, "save_to_file");
  }

  /**
   * Writes the model to {@code path} through FileAccess (user:// included), and its settings to the
   * sidecar {@code path + ".cfg"}, which the resource loader reads back. Saving to the file the
   * model came from writes only the settings.
   */
  long save(String path, String where) {
    if (model == null && bytes.length == 0) {
      return fail(ERR_UNAVAILABLE, where, "no model to save: load one first");
    }
    try {
      if (!path.equals(sourcePath)) {
        byte[] data = modelData();
        if (data.length == 0) {
          return ERR_FILE_CANT_READ;
        }
        writeFile(path, data);
      }
      writeFile(
          Settings.sidecar(path),
          settings().text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return OK;
    } catch (IOException e) {
      return fail(ERR_FILE_CANT_WRITE, where, e.getMessage());
    }
  }

  private void writeFile(String path, byte[] data) throws IOException {
    if (!isGodotPath(path)) {
      Files.write(Path.of(path), data);
      return;
    }
    try (GodotFile f = GodotFile.open(gd, path, GodotFile.WRITE)) {
      for (int at = 0; at < data.length; at += 1 << 20) {
        f.write(data, at, Math.min(1 << 20, data.length - at));
      }
    }
  }

  Settings settings() {
    return new Settings(policy, poolBytes, level);
  }

  /** Applies settings saved next to a model (the loader calls this before loading it). */
  void applySettings(Settings s) {
    policy = s.policy();
    poolBytes = s.poolBytes();
    level = s.level();
  }

  // -------------------------------------------------------------- inference

  Map<String, Object> forward(Map<?, ?> inputs) {
    if (model == null) {
      fail(ERR_UNAVAILABLE, "forward", "no model loaded: call load_from_file first");
      return Map.of();
    }
    try {
      MethodMeta meta = model.methodMeta("forward");
      Map<String, Object> in = new LinkedHashMap<>();
      for (var e : inputs.entrySet()) {
        String key = String.valueOf(e.getKey());
        TensorMeta t =
            meta.inputs().stream().filter(m -> m.name().equals(key)).findFirst().orElse(null);
        Object v = e.getValue();
        if (v instanceof Variants.FloatView view) {
          // Zero-copy: the packed array's own memory is the input tensor for this call.
          v =
              t != null && t.dtype() == DType.FLOAT32 && view.length() == t.numel()
                  ? Tensor.wrap(view.data(), DType.FLOAT32, t.shape())
                  : view.toArray();
        }
        in.put(key, v);
      }
      Map<String, Tensor> out = model.forward(in);
      totalInferences++;
      return new LinkedHashMap<>(out); // Tensors become packed arrays, written in place
    } catch (ExecuTorchException | IllegalArgumentException | IllegalStateException e) {
      fail(FAILED, "forward", e.getMessage());
      return Map.of();
    }
  }

  /**
   * Queues a forward on the model's own thread and returns its request id at once. The result
   * reaches GDScript as the signal {@code inference_completed(request_id, outputs)} or {@code
   * inference_failed(request_id, message)}, emitted on the main thread: the worker asks Godot for a
   * deferred {@code _deliver_async(request_id)} call, never touching the scene itself.
   */
  long forwardAsync(Map<?, ?> inputs) {
    if (model == null) {
      return fail(-1, "forward_async", "no model loaded: call load_from_file first");
    }
    long id = nextRequest++;
    Map<String, Object> in = new LinkedHashMap<>();
    for (var e : inputs.entrySet()) {
      Object v = e.getValue();
      // The packed array may be gone when the call runs: take a copy now.
      in.put(String.valueOf(e.getKey()), v instanceof Variants.FloatView view ? view.toArray() : v);
    }
    model
        .forwardAsync(in)
        .whenComplete(
            (outputs, error) -> {
              asyncResults.put(
                  id,
                  error == null
                      ? outputs
                      : error instanceof java.util.concurrent.CompletionException c
                              && c.getCause() != null
                          ? c.getCause()
                          : error);
              try {
                gd.callDeferred(object, DELIVER_ASYNC, id);
              } catch (Throwable t) {
                gd.report("forward_async: cannot hand the result to the main thread", t);
              }
            });
    return id;
  }

  /** Main thread: emits the signal for a finished async call. */
  Object deliverAsync(long id) {
    Object result = asyncResults.remove(id);
    if (result == null) {
      return null;
    }
    boolean ok = result instanceof Map;
    if (ok) {
      totalInferences++;
    }
    Object payload =
        ok
            ? new LinkedHashMap<>((Map<?, ?>) result)
            : String.valueOf(((Throwable) result).getMessage());
    gd.emitSignal(object, ok ? "inference_completed" : "inference_failed", id, payload);
    return null;
  }

  Object forwardArray(Variants.FloatView input) {
    Map<String, Object> out = forward(Map.of("input_0", input));
    Object first = out.get("output_0");
    return first != null ? first : new float[0];
  }

  Map<String, Object> profile() {
    if (model == null || !model.isProfiling() || model.inferenceStats().count() == 0) {
      return Map.of();
    }
    return model.profile().toMap();
  }

  String modelName() {
    if (sourcePath.isEmpty()) {
      return model == null ? "" : "model";
    }
    String f = sourcePath.substring(sourcePath.lastIndexOf('/') + 1);
    return f.endsWith(".pte") ? f.substring(0, f.length() - 4) : f;
  }

  // ----------------------------------------------------------------- errors

  private long fail(long code, String where, String message) {
    gd.printError("ExecuTorchResource." + where + ": " + message, where);
    return code;
  }

  private static long errorOf(ErrorCode c) {
    return switch (c) {
      case FILE_NOT_FOUND -> ERR_FILE_NOT_FOUND;
      case IO_ERROR -> ERR_FILE_CANT_READ;
      case INVALID_PROGRAM, INVALID_ARGUMENT -> ERR_FILE_CORRUPT;
      case MEMORY_ALLOCATION_FAILED, OUT_OF_RESOURCES -> ERR_OUT_OF_MEMORY;
      case OPERATOR_MISSING, BACKEND_UNAVAILABLE, NOT_SUPPORTED -> ERR_UNAVAILABLE;
      default -> FAILED;
    };
  }
}
