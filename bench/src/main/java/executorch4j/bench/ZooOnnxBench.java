package executorch4j.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The model zoo's ONNX Runtime Java peer (issue 17): {@code bench/target/zoo/NAME.onnx} (the same
 * PyTorch module as {@code NAME.pte}) with {@code intraOpNumThreads = threads}, {@code
 * interOpNumThreads = 1} and all graph optimizations ({@code ORT_ENABLE_ALL}, ONNX Runtime's
 * default), fed the manifest's inputs by {@code onnx_name} as preallocated direct-buffer {@link
 * OnnxTensor}s; each call's {@link OrtSession.Result} is closed. Setup checks the outputs against
 * the golden and fails the trial if they do not match.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ZooOnnxBench extends MicroBench {
  @Param({
    "mobilenet_v2",
    "resnet18",
    "efficientnet_b0",
    "vit_tiny",
    "vit_tiny_tuned",
    "bert_mini",
    "bert_mini_tuned",
    "whisper_tiny_encoder",
    "whisper_tiny_encoder_tuned",
    "mobilenet_v2_int8"
  })
  public String model;

  @Param({"1", "2"})
  public int threads;

  private OrtSession.SessionOptions options;
  private OrtSession session;
  private Map<String, OnnxTensor> feed;

  @Setup(Level.Trial)
  public void setup() throws OrtException {
    Zoo.Manifest m = Zoo.manifest(model);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    options = options(threads);
    session = session(env, m, options);
    feed = feed(env, m);
    try (OrtSession.Result r = session.run(feed)) {
      Zoo.requireOk(m, values(r), "ONNX Runtime");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    for (OnnxTensor t : feed.values()) {
      t.close();
    }
    session.close();
    options.close();
  }

  @Benchmark
  public void run(Blackhole bh) throws OrtException {
    try (OrtSession.Result r = session.run(feed)) {
      bh.consume(r.get(0));
    }
  }

  /** What an ONNX Runtime Java user gets by default, with the thread counts of the other peers. */
  static OrtSession.SessionOptions options(int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    return o;
  }

  static OrtSession session(OrtEnvironment env, Zoo.Manifest m, OrtSession.SessionOptions o)
      throws OrtException {
    if (m.onnx() == null) {
      throw new IllegalStateException(m.json() + " names no .onnx file");
    }
    return env.createSession(m.onnx().toString(), o);
  }

  /** The manifest's inputs, by {@code onnx_name}, as direct-buffer tensors (no copy per call). */
  static Map<String, OnnxTensor> feed(OrtEnvironment env, Zoo.Manifest m) throws OrtException {
    Map<String, OnnxTensor> feed = new LinkedHashMap<>();
    for (Zoo.TensorFile t : m.inputs()) {
      ByteBuffer data =
          Zoo.readRaw(t.file(), t.numel() * Zoo.elementSize(t.dtype()))
              .order(ByteOrder.nativeOrder());
      feed.put(t.onnxName(), OnnxTensor.createTensor(env, data, t.shape(), javaType(t.dtype())));
    }
    return feed;
  }

  /** The result's outputs in the session's output order, as raw little-endian data. */
  static List<Zoo.Values> values(OrtSession.Result r) throws OrtException {
    List<Zoo.Values> out = new ArrayList<>();
    for (Map.Entry<String, OnnxValue> e : r) {
      if (!(e.getValue() instanceof OnnxTensor t)) {
        throw new IllegalStateException("output " + e.getKey() + " is not a tensor");
      }
      TensorInfo info = t.getInfo();
      out.add(
          new Zoo.Values(
              label(info.type), info.getShape(), t.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
    }
    return out;
  }

  static OnnxJavaType javaType(String dtype) {
    return switch (dtype) {
      case "float32" -> OnnxJavaType.FLOAT;
      case "float64" -> OnnxJavaType.DOUBLE;
      case "float16" -> OnnxJavaType.FLOAT16;
      case "bfloat16" -> OnnxJavaType.BFLOAT16;
      case "int64" -> OnnxJavaType.INT64;
      case "int32" -> OnnxJavaType.INT32;
      case "int16" -> OnnxJavaType.INT16;
      case "int8" -> OnnxJavaType.INT8;
      case "uint8" -> OnnxJavaType.UINT8;
      case "bool" -> OnnxJavaType.BOOL;
      default -> throw new IllegalArgumentException("no ONNX Runtime type for " + dtype);
    };
  }

  static String label(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> "float32";
      case DOUBLE -> "float64";
      case FLOAT16 -> "float16";
      case BFLOAT16 -> "bfloat16";
      case INT64 -> "int64";
      case INT32 -> "int32";
      case INT16 -> "int16";
      case INT8 -> "int8";
      case UINT8 -> "uint8";
      case BOOL -> "bool";
      default -> throw new IllegalArgumentException("no reader for ONNX Runtime type " + type);
    };
  }
}
