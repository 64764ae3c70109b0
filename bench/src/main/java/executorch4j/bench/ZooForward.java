package executorch4j.bench;

import executorch4j.LoadOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One {@code forward} of a zoo model on the manifest's inputs as preallocated native tensors,
 * loaded with the options a subclass gives and checked against the PyTorch golden at setup (a
 * mismatch fails the trial). JMH runs the inherited benchmark under each subclass's name.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public abstract class ZooForward extends MicroBench {
  private Zoo.Loaded loaded;

  /** The zoo model to load (a {@code @Param} of the subclass). */
  abstract String model();

  /** How to load it. */
  abstract LoadOptions options();

  /** Who runs it, for the golden check's message. */
  abstract String runtime();

  @Setup(Level.Trial)
  public void setup() {
    loaded = new Zoo.Loaded(model(), options(), runtime());
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
