package executorch4j.bench;

import executorch4j.LoadOptions;
import executorch4j.OptimizationLevel;
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
 * Whether the {@link OptimizationLevel}s keep their promise on real models (issue 17): each level
 * exactly as a user gets it (no thread override), one fork per level since the thread pool is
 * per process. Run it as is for the multi-threaded case and under {@code taskset -c 0} for one
 * core ({@code bench/zoo.sh} does both).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ZooLevelBench {
  @Param({"mobilenet_v2", "bert_mini_tuned"})
  public String model;

  @Param({"NONE", "BASIC", "AGGRESSIVE"})
  public OptimizationLevel level;

  private Zoo.Loaded loaded;

  @Setup(Level.Trial)
  public void setup() {
    loaded = new Zoo.Loaded(model, LoadOptions.defaults().withOptimization(level), "Java " + level);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loaded.close();
  }

  @Benchmark
  public void forward(Blackhole bh) {
    bh.consume(loaded.model.forward(loaded.inputs));
  }
}
