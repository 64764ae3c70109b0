package executorch4j.bench;

import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.Tensor;
import java.lang.foreign.Arena;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One {@code forward} call on a loaded model with preallocated, seeded native input tensors: set
 * inputs (copied into the planned buffers), execute, wrap the output views.
 */
public class ForwardBench extends MicroBench {
  @Param({
    "linear_regression",
    "mlp_portable",
    "mlp_xnnpack",
    "cnn_portable",
    "cnn_xnnpack",
    "mlp_int8_xnnpack"
  })
  public String model;

  /** XNNPACK / optimized-kernel threads, the same for every peer (run.sh passes -p threads=N). */
  @Param({"1"})
  public int threads;

  private Arena arena;
  private ExecuTorchModel loaded;
  private Tensor[] inputs;

  @Setup(Level.Trial)
  public void setup() {
    arena = Arena.ofShared();
    loaded =
        ExecuTorchModel.load(
            Fixtures.file(model + ".pte"), LoadOptions.defaults().withThreads(threads));
    inputs = Fixtures.inputs(loaded.methodMeta("forward").inputs(), arena);
    loaded.forward(inputs); // fail in setup, not in the first measured call
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loaded.close();
    arena.close();
  }

  @Benchmark
  public void forward(Blackhole bh) {
    Map<String, Tensor> out = loaded.forward(inputs);
    bh.consume(out);
  }
}
