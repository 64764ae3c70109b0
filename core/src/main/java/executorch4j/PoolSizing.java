package executorch4j;

import executorch4j.internal.Native;
import java.nio.file.Path;

/**
 * The smallest STATIC pool a program runs in ({@link ExecuTorchModel#requiredPoolBytes}), measured
 * on method runners of its own rather than on models, so that it stays below the model class.
 */
final class PoolSizing {
  private PoolSizing() {}

  /**
   * Loads the program twice (once to bound the need, once in a pool of that bound) with one warm-up
   * execute each, so the per-kernel temp memory is counted too.
   */
  static long requiredPoolBytes(Path path) {
    LoadOptions probe = LoadOptions.defaults().withOptimization(OptimizationLevel.BASIC);
    long bound;
    try (MethodRunner runner = loaded(path, probe)) {
      MemoryInfo info = runner.memoryInfo();
      // Every allocation may be padded to its alignment (at most 64 in practice).
      bound =
          info.plannedBytesTotal()
              + info.methodAllocatorBytes()
              + info.tempPeakBytes()
              + 128 * (runner.allocationCount() + 8)
              + 4096;
    }
    try (MethodRunner runner = loaded(path, probe.withMemory(MemoryPolicy.STATIC, bound))) {
      long peak = runner.memoryInfo().poolPeak();
      return (peak + 255) / 256 * 256;
    }
  }

  private static MethodRunner loaded(Path path, LoadOptions options) {
    Native.init();
    MethodRunner runner = MethodRunner.open(ModelSource.file(path), options, false);
    try {
      runner.loadMethods(false);
      return runner;
    } catch (RuntimeException | Error e) {
      runner.close();
      throw e;
    }
  }
}
