package executorch4j.bench;

import com.google.gson.Gson;
import executorch4j.DType;
import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The model zoo of issue 17 ({@code bench/zoo.sh}): finds the folder {@code
 * bench/zoo/export_zoo.py} writes, reads a model's {@code NAME.json} manifest, its raw input files
 * and golden outputs, and checks outputs against the goldens with the rule every peer uses: an
 * output passes iff {@code max|out - golden| <= atol + rtol * max|golden|}.
 *
 * <p>A manifest: {@code {"name", "kind", "pte", "onnx", "inputs": [{"name", "onnx_name", "dtype",
 * "shape", "file"}], "outputs": [{"dtype", "shape", "golden"}], "tolerance": {"atol", "rtol"},
 * "delegation", "params"}}; file names are relative to the manifest's folder, {@code .bin} files
 * are raw little-endian C-order data.
 */
final class Zoo {
  /** The zoo's models, the default of every zoo benchmark's {@code model} parameter. */
  static final List<String> MODELS =
      List.of(
          "mobilenet_v2",
          "resnet18",
          "efficientnet_b0",
          "vit_tiny",
          "vit_tiny_tuned",
          "bert_mini",
          "bert_mini_tuned",
          "whisper_tiny_encoder",
          "whisper_tiny_encoder_tuned",
          "mobilenet_v2_int8");

  private Zoo() {}

  /** One input (file = its data) or output (file = its golden) of a manifest. */
  record TensorFile(String name, String onnxName, String dtype, long[] shape, Path file) {
    long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  record Manifest(
      Path json,
      String name,
      Path pte,
      Path onnx,
      List<TensorFile> inputs,
      List<TensorFile> outputs,
      double atol,
      double rtol) {}

  /** The outcome of a check: the largest difference over all outputs, and whether all passed. */
  record Check(double maxAbsErr, boolean ok, String detail) {}

  /**
   * An output to check: its dtype label ({@link DType#label()}), shape and raw little-endian data.
   */
  record Values(String dtype, long[] shape, ByteBuffer data) {}

  /**
   * The zoo folder: {@code -Dexecutorch4j.zoo}, then {@code $EXECUTORCH4J_ZOO}, then {@code
   * bench/target/zoo} or {@code target/zoo} from the working directory, then relative to the
   * benchmark jar ({@code bench/target/benchmarks.jar} → {@code bench/target/zoo}): the first that
   * holds a {@code .json} manifest.
   */
  static Path dir() {
    String prop = System.getProperty("executorch4j.zoo");
    if (prop != null && !prop.isBlank()) {
      Path p = Path.of(prop).toAbsolutePath().normalize();
      if (!Files.isDirectory(p)) {
        throw new IllegalStateException(
            "-Dexecutorch4j.zoo=" + prop + " is not a directory (" + p + ")");
      }
      return p;
    }
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("EXECUTORCH4J_ZOO");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    candidates.add(Path.of("bench", "target", "zoo"));
    candidates.add(Path.of("target", "zoo"));
    try {
      Path jar = Path.of(Zoo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = jar.getParent(); p != null; p = p.getParent()) {
        candidates.add(p.resolve("zoo"));
        candidates.add(p.resolve(Path.of("bench", "target", "zoo")));
      }
    } catch (URISyntaxException | RuntimeException ignored) {
      // no code source: only the working-directory candidates
    }
    for (Path c : candidates) {
      Path p = c.toAbsolutePath().normalize();
      if (hasManifest(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "the model zoo was not found; export it (bench/zoo.sh does) or pass "
            + "-Dexecutorch4j.zoo=/path/to/zoo (tried "
            + candidates.stream().map(c -> c.toAbsolutePath().normalize().toString()).toList()
            + ")");
  }

  private static boolean hasManifest(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(f -> f.getFileName().toString().endsWith(".json"));
    } catch (IOException e) {
      return false;
    }
  }

  /** The manifest {@code NAME.json} of a zoo model. */
  static Manifest manifest(String model) {
    Path json = dir().resolve(model + ".json");
    if (!Files.isRegularFile(json)) {
      throw new IllegalStateException(
          "no manifest "
              + json
              + " (is '"
              + model
              + "' a zoo model? export it with "
              + "bench/zoo/export_zoo.py)");
    }
    return read(json);
  }

  @SuppressWarnings("unchecked")
  static Manifest read(Path json) {
    Path dir = json.toAbsolutePath().getParent();
    Map<String, Object> m;
    try {
      m = new Gson().fromJson(Files.readString(json), Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + json, e);
    } catch (RuntimeException e) {
      throw new IllegalStateException("bad manifest " + json + ": " + e.getMessage(), e);
    }
    List<TensorFile> inputs = new ArrayList<>();
    for (Object o : (List<Object>) m.get("inputs")) {
      Map<String, Object> t = (Map<String, Object>) o;
      inputs.add(
          new TensorFile(
              (String) t.get("name"),
              (String) t.getOrDefault("onnx_name", t.get("name")),
              (String) t.get("dtype"),
              shape(t.get("shape")),
              dir.resolve((String) t.get("file"))));
    }
    List<TensorFile> outputs = new ArrayList<>();
    int j = 0;
    for (Object o : (List<Object>) m.get("outputs")) {
      Map<String, Object> t = (Map<String, Object>) o;
      String name = (String) t.getOrDefault("name", "output" + j++);
      outputs.add(
          new TensorFile(
              name,
              name,
              (String) t.get("dtype"),
              shape(t.get("shape")),
              dir.resolve((String) t.get("golden"))));
    }
    Map<String, Object> tol = (Map<String, Object>) m.getOrDefault("tolerance", Map.of());
    String name =
        (String) m.getOrDefault("name", json.getFileName().toString().replaceFirst("\\.json$", ""));
    return new Manifest(
        json,
        name,
        dir.resolve((String) m.get("pte")),
        m.get("onnx") == null ? null : dir.resolve((String) m.get("onnx")),
        List.copyOf(inputs),
        List.copyOf(outputs),
        number(tol.getOrDefault("atol", 1e-3)),
        number(tol.getOrDefault("rtol", 1e-3)));
  }

  private static long[] shape(Object o) {
    List<?> l = (List<?>) o;
    long[] s = new long[l.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = ((Number) l.get(i)).longValue();
    }
    return s;
  }

  private static double number(Object o) {
    return ((Number) o).doubleValue();
  }

  /** A file's bytes in a direct little-endian buffer, which must hold {@code expected} bytes. */
  static ByteBuffer readRaw(Path file, long expected) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (expected >= 0 && bytes.length != expected) {
      throw new IllegalStateException(
          file + " holds " + bytes.length + " bytes, expected " + expected);
    }
    return ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN).put(bytes).flip();
  }

  /** A zoo model loaded with some options, its inputs in their own arena, output checked. */
  static final class Loaded implements AutoCloseable {
    final ExecuTorchModel model;
    final Tensor[] inputs;
    private final Arena arena = Arena.ofShared();

    /**
     * Loads {@code name}'s program, reads its inputs, and throws unless one forward matches the
     * golden.
     */
    Loaded(String name, LoadOptions options, String runtime) {
      Manifest m = manifest(name);
      model = ExecuTorchModel.load(m.pte(), options);
      inputs = inputs(m, arena);
      requireOk(m, values(model.forward(inputs)), runtime);
    }

    @Override
    public void close() {
      model.close();
      arena.close();
    }
  }

  /** The manifest's inputs as native tensors (read once into {@code arena}). */
  static Tensor[] inputs(Manifest m, Arena arena) {
    Tensor[] out = new Tensor[m.inputs().size()];
    for (int i = 0; i < out.length; i++) {
      TensorFile t = m.inputs().get(i);
      DType dt = DType.fromLabel(t.dtype());
      long bytes = t.numel() * dt.byteSize();
      MemorySegment seg = arena.allocate(bytes, 64);
      seg.copyFrom(MemorySegment.ofBuffer(readRaw(t.file(), bytes)));
      out[i] = Tensor.wrap(seg, dt, t.shape());
    }
    return out;
  }

  /** A Java output as {@link Values} (a view: read it before the next call on the model). */
  static Values values(Tensor t) {
    return new Values(
        t.dtype().label(), t.shape(), t.segment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  static List<Values> values(Map<String, Tensor> outputs) {
    return outputs.values().stream().map(Zoo::values).toList();
  }

  /**
   * Checks every output against its golden; never throws for a mismatch (see {@link Check#ok()}).
   */
  static Check check(Manifest m, List<Values> outs) {
    if (outs.size() != m.outputs().size()) {
      return new Check(
          Double.POSITIVE_INFINITY,
          false,
          outs.size() + " outputs, the manifest lists " + m.outputs().size());
    }
    double worst = 0;
    boolean ok = true;
    StringBuilder detail = new StringBuilder();
    for (int j = 0; j < outs.size(); j++) {
      Values v = outs.get(j);
      TensorFile g = m.outputs().get(j);
      int size = elementSize(g.dtype());
      ByteBuffer golden = readRaw(g.file(), g.numel() * size);
      long n = v.data().capacity() / elementSize(v.dtype());
      if (n != g.numel()) {
        ok = false;
        worst = Double.POSITIVE_INFINITY;
        detail.append(
            String.format(
                Locale.ROOT,
                "output %d: %s%s, golden %s%s; ",
                j,
                v.dtype(),
                java.util.Arrays.toString(v.shape()),
                g.dtype(),
                java.util.Arrays.toString(g.shape())));
        continue;
      }
      double err = 0;
      double scale = 0;
      for (long i = 0; i < n; i++) {
        double a = element(v.data(), v.dtype(), i);
        double b = element(golden, g.dtype(), i);
        double d = Math.abs(a - b);
        if (!(d <= err)) {
          err = d; // NaN wins
        }
        scale = Math.max(scale, Math.abs(b));
      }
      double bound = m.atol() + m.rtol() * scale;
      if (!(err <= bound)) {
        ok = false;
        detail.append(
            String.format(
                Locale.ROOT, "output %d: max |out - golden| = %.6g > %.6g; ", j, err, bound));
      }
      if (!(err <= worst)) {
        worst = err;
      }
    }
    return new Check(worst, ok, detail.toString().strip());
  }

  /** Throws unless every output passes. */
  static void requireOk(Manifest m, List<Values> outs, String runtime) {
    Check c = check(m, outs);
    if (!c.ok()) {
      throw new IllegalStateException(
          runtime
              + " output of "
              + m.name()
              + " does not match the golden ("
              + m.atol()
              + " + "
              + m.rtol()
              + " * max|golden|): "
              + c.detail());
    }
  }

  static int elementSize(String dtype) {
    return switch (dtype) {
      case "float64", "int64", "uint64" -> 8;
      case "float32", "int32", "uint32" -> 4;
      case "float16", "bfloat16", "int16", "uint16" -> 2;
      case "int8", "uint8", "bool" -> 1;
      default -> throw new IllegalArgumentException("no reader for dtype " + dtype);
    };
  }

  static double element(ByteBuffer b, String dtype, long index) {
    int i = Math.toIntExact(index);
    return switch (dtype) {
      case "float32" -> b.getFloat(4 * i);
      case "float64" -> b.getDouble(8 * i);
      case "float16" -> Float.float16ToFloat(b.getShort(2 * i));
      case "bfloat16" -> Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
      case "int64" -> b.getLong(8 * i);
      case "uint64" -> {
        long x = b.getLong(8 * i);
        yield x >= 0 ? x : x + 0x1p64;
      }
      case "int32" -> b.getInt(4 * i);
      case "uint32" -> b.getInt(4 * i) & 0xffffffffL;
      case "int16" -> b.getShort(2 * i);
      case "uint16" -> b.getShort(2 * i) & 0xffff;
      case "int8" -> b.get(i);
      case "uint8", "bool" -> b.get(i) & 0xff;
      default -> throw new IllegalArgumentException("no reader for dtype " + dtype);
    };
  }

  /**
   * A number for a JSON line: finite values as is, else {@code 1e308} (JSON has no inf/NaN), null
   * as null.
   */
  static String json(Double v) {
    if (v == null) {
      return "null";
    }
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "1e308";
  }
}
