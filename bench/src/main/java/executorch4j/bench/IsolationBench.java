package executorch4j.bench;

import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
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
 * The cost of isolation (issue 16): the same {@code forward} as {@link ForwardBench}, in process
 * ({@code NONE}) and in the sandboxed worker process ({@code PROCESS}: inputs copied into the
 * memory shared with the worker, one request and one reply over its socket, outputs read as views
 * of the shared memory). Both are measured in the same run; the difference is what isolation adds.
 */
public class IsolationBench extends MicroBench {
  @Param({"linear_regression", "mlp_xnnpack", "cnn_xnnpack"})
  public String model;

  @Param({"NONE", "PROCESS"})
  public String isolation;

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
            Fixtures.file(model + ".pte"),
            LoadOptions.defaults()
                .withThreads(threads)
                .withIsolation(Isolation.valueOf(isolation)));
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
