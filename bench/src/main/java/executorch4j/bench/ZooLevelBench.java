package executorch4j.bench;

import executorch4j.LoadOptions;
import executorch4j.OptimizationLevel;
import org.openjdk.jmh.annotations.Param;

/**
 * Whether the {@link OptimizationLevel}s keep their promise on real models (issue 17): each level
 * exactly as a user gets it (no thread override), one fork per level since the thread pool is per
 * process. Run it as is for the multi-threaded case and under {@code taskset -c 0} for one core
 * ({@code bench/zoo.sh} does both).
 */
public class ZooLevelBench extends ZooForward {
  @Param({"mobilenet_v2", "bert_mini_tuned"})
  public String model;

  @Param({"NONE", "BASIC", "AGGRESSIVE"})
  public OptimizationLevel level;

  @Override
  String model() {
    return model;
  }

  @Override
  LoadOptions options() {
    return LoadOptions.defaults().withOptimization(level);
  }

  @Override
  String runtime() {
    return "Java " + level;
  }
}
