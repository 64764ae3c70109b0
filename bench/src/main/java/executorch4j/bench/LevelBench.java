package executorch4j.bench;

import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.OptimizationLevel;
import executorch4j.Tensor;
import java.lang.foreign.Arena;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The effect of {@link OptimizationLevel} and of the profiler on forward latency of the XNNPACK CNN
 * (and the portable MLP). Each fork loads one level, since the thread pool is per process.
 */
public class LevelBench extends MicroBench {
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
