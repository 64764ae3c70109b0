package executorch4j.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The peer: ONNX Runtime's Java API on the same networks exported to ONNX (same weights as the
 * portable {@code .pte} variants; input {@code input}, output {@code output}). One preallocated
 * direct-buffer {@link OnnxTensor} is reused; each call's {@link OrtSession.Result} is closed.
 */
public class OnnxBench extends MicroBench {
  @Param({"linear_regression", "mlp", "cnn", "mlp_int8"})
  public String model;

  /** ONNX Runtime intra-op threads (ExecuTorch's XNNPACK threadpool is not configurable here). */
  @Param({"1"})
  public int threads;

  private OrtEnvironment env;
  private OrtSession.SessionOptions options;
  private OrtSession session;
  private OnnxTensor input;
  private Map<String, OnnxTensor> feed;

  @Setup(Level.Trial)
  public void setup() throws OrtException {
    env = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    session = env.createSession(Fixtures.file(model + ".onnx").toString(), options);
    NodeInfo in = session.getInputInfo().get("input");
    if (in == null) {
      throw new IllegalStateException(
          model + ".onnx has no input named 'input': " + session.getInputNames());
    }
    long[] shape = ((TensorInfo) in.getInfo()).getShape();
    int n = 1;
    for (long d : shape) {
      n *= (int) Math.max(d, 1); // a dynamic dim (-1) runs at 1
    }
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.max(shape[i], 1);
    }
    FloatBuffer buf =
        ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
    for (int i = 0; i < n; i++) {
      buf.put(i, (float) rnd.nextDouble(-1.0, 1.0));
    }
    input = OnnxTensor.createTensor(env, buf, shape);
    feed = Map.of("input", input);
    try (OrtSession.Result r = session.run(feed)) {
      if (r.get("output").isEmpty()) {
        throw new IllegalStateException(model + ".onnx has no output named 'output'");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    input.close();
    session.close();
    options.close();
  }

  @Benchmark
  public void run(Blackhole bh) throws OrtException {
    try (OrtSession.Result r = session.run(feed)) {
      bh.consume(r.get(0));
    }
  }
}
