package executorch4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import executorch4j.LoadOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput under load (issue 17): requests per second with N concurrent callers (JMH {@code -t
 * N}) on a zoo model, each call on {@code threads} intra-op threads.
 *
 * <ul>
 *   <li>{@code separateModels} / {@code separateSessions}: every caller has its own model / ONNX
 *       Runtime session (JMH {@code Scope.Thread}).
 *   <li>{@code sharedModel} / {@code sharedSession}: all callers use one. A model serializes its
 *       calls (ExecuTorch's {@code Method} is not reentrant); an ONNX Runtime session runs them
 *       concurrently.
 * </ul>
 *
 * <p>Every state checks its outputs against the PyTorch golden in setup.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ZooThroughputBench {

  /** What every state is configured by. */
  @State(Scope.Benchmark)
  public static class Config {
    @Param({"mobilenet_v2", "bert_mini"})
    public String model;

    /** Intra-op threads per call: 1 lets N callers use N cores without sharing a pool. */
    @Param({"1"})
    public int threads;
  }

  /** One loaded ExecuTorch model with its inputs. */
  public abstract static class ModelState {
    Zoo.Loaded loaded;

    void open(Config c) {
      loaded = new Zoo.Loaded(c.model, LoadOptions.defaults().withThreads(c.threads), "Java");
    }

    void close() {
      loaded.close();
    }
  }

  @State(Scope.Thread)
  public static class OwnModel extends ModelState {
    @Setup(Level.Trial)
    public void setup(Config c) {
      open(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class SharedModel extends ModelState {
    @Setup(Level.Trial)
    public void setup(Config c) {
      open(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      close();
    }
  }

  /** One ONNX Runtime session on {@code NAME.onnx} with its inputs. */
  public abstract static class SessionState {
    private OrtSession.SessionOptions options;
    OrtSession session;
    Map<String, OnnxTensor> feed;

    void open(Config c) throws OrtException {
      Zoo.Manifest m = Zoo.manifest(c.model);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      options = ZooOnnxBench.options(c.threads);
      session = ZooOnnxBench.session(env, m, options);
      feed = ZooOnnxBench.feed(env, m);
      try (OrtSession.Result r = session.run(feed)) {
        Zoo.requireOk(m, ZooOnnxBench.values(r), "ONNX Runtime");
      }
    }

    void close() throws OrtException {
      for (OnnxTensor t : feed.values()) {
        t.close();
      }
      session.close();
      options.close();
    }
  }

  @State(Scope.Thread)
  public static class OwnSession extends SessionState {
    @Setup(Level.Trial)
    public void setup(Config c) throws OrtException {
      open(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class SharedSession extends SessionState {
    @Setup(Level.Trial)
    public void setup(Config c) throws OrtException {
      open(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
      close();
    }
  }

  @Benchmark
  public void separateModels(OwnModel s, Blackhole bh) {
    bh.consume(s.loaded.model.forward(s.loaded.inputs));
  }

  @Benchmark
  public void sharedModel(SharedModel s, Blackhole bh) {
    bh.consume(s.loaded.model.forward(s.loaded.inputs));
  }

  @Benchmark
  public void separateSessions(OwnSession s, Blackhole bh) throws OrtException {
    try (OrtSession.Result r = s.session.run(s.feed)) {
      bh.consume(r.get(0));
    }
  }

  @Benchmark
  public void sharedSession(SharedSession s, Blackhole bh) throws OrtException {
    try (OrtSession.Result r = s.session.run(s.feed)) {
      bh.consume(r.get(0));
    }
  }
}
