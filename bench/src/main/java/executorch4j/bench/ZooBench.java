package executorch4j.bench;

import executorch4j.LoadOptions;
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
 * The model zoo (issue 17, {@code bench/zoo.sh}): one {@code forward} of a real architecture
 * ({@code bench/target/zoo/NAME.pte}, exported by {@code bench/zoo/export_zoo.py}) with the
 * library's defaults and only the thread count set, on the manifest's inputs as preallocated
 * native tensors. Setup checks the output against the PyTorch golden and fails the trial if it
 * does not match. The zoo folder: {@code -Dexecutorch4j.zoo=DIR} (see {@link Zoo#dir()}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ZooBench {
  @Param({"mobilenet_v2", "resnet18", "efficientnet_b0", "vit_tiny", "vit_tiny_tuned", "bert_mini", "bert_mini_tuned", "whisper_tiny_encoder", "whisper_tiny_encoder_tuned",
      "mobilenet_v2_int8"})
  public String model;

  /** XNNPACK / optimized-kernel threads ({@link LoadOptions#withThreads}), the same for every peer. */
  @Param({"1", "2"})
  public int threads;

  private Zoo.Loaded loaded;

  @Setup(Level.Trial)
  public void setup() {
    loaded = new Zoo.Loaded(model, LoadOptions.defaults().withThreads(threads), "Java");
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
