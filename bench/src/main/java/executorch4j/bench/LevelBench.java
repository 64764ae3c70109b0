package executorch4j.bench;

import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.OptimizationLevel;
import executorch4j.Tensor;
import java.lang.foreign.Arena;
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

/**
 * The effect of {@link OptimizationLevel} and of the profiler on forward latency of the XNNPACK CNN
 * (and the portable MLP). Each fork loads one level, since the thread pool is per process.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LevelBench {
  @Param({"cnn_xnnpack", "mlp_portable"})
  public String model;

  @Param({"NONE", "BASIC", "AGGRESSIVE"})
  public OptimizationLevel level;

  @Param({"false", "true"})
  public boolean profiling;

  private Arena arena;
  private ExecuTorchModel loaded;
  private Tensor[] inputs;

  @Setup(Level.Trial)
  public void setup() {
    arena = Arena.ofShared();
    loaded =
        ExecuTorchModel.load(
            Fixtures.file(model + ".pte"),
            LoadOptions.defaults().withOptimization(level).withProfiling(profiling));
    inputs = Fixtures.inputs(loaded.methodMeta("forward").inputs(), arena);
    loaded.forward(inputs);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loaded.close();
    arena.close();
  }

  @Benchmark
  public Tensor forward() {
    return loaded.forward(inputs).get("output_0");
  }
}
