package executorch4j.bench;

import executorch4j.ExecuTorchModel;
import executorch4j.LoadMode;
import executorch4j.LoadOptions;
import executorch4j.ModelSource;
import executorch4j.OptimizationLevel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Load + close of a model (program load with full verification, every method loaded, then all
 * native memory freed), by file mmap, file read and from a byte[] already in memory. The file is in
 * the page cache after the first iteration, so this measures warm loads. Only the load is timed, as
 * in the C++ runner; the close runs in an invocation-level teardown (closing the model's shared
 * arena costs about 50 us more, a JVM handshake). These run at OptimizationLevel.NONE, which does
 * no warm-up execute, to do the same work as the C++ runner's load; {@code mmapBasic} is the
 * default level, whose load includes one warm-up run.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LoadBench extends MicroBench {
  @Param({"cnn_xnnpack"})
  public String model;

  private Path path;
  private byte[] bytes;
  private LoadOptions mmap;
  private LoadOptions file;
  private LoadOptions basic;
  private ExecuTorchModel loaded;
  private FileChannel channel;

  @TearDown(Level.Invocation)
  public void close() {
    if (loaded != null) {
      loaded.close();
      loaded = null;
    }
  }

  @Setup(Level.Trial)
  public void setup() throws IOException {
    path = Fixtures.file(model + ".pte");
    bytes = Files.readAllBytes(path);
    LoadOptions lean = LoadOptions.defaults().withOptimization(OptimizationLevel.NONE);
    mmap = lean.withLoadMode(LoadMode.MMAP);
    file = lean.withLoadMode(LoadMode.FILE);
    basic = LoadOptions.defaults();
    channel = FileChannel.open(path, StandardOpenOption.READ);
  }

  @TearDown(Level.Trial)
  public void closeChannel() throws IOException {
    channel.close();
  }

  @Benchmark
  public ExecuTorchModel mmap() {
    return loaded = ExecuTorchModel.load(path, mmap);
  }

  @Benchmark
  public ExecuTorchModel file() {
    return loaded = ExecuTorchModel.load(path, file);
  }

  @Benchmark
  public ExecuTorchModel mmapBasic() {
    return loaded = ExecuTorchModel.load(path, basic);
  }

  /** Streaming: the flatbuffer once, then each segment once, through a read upcall per segment. */
  @Benchmark
  public ExecuTorchModel stream() {
    return loaded = ExecuTorchModel.load(ModelSource.channel(channel), mmap);
  }

  @Benchmark
  public ExecuTorchModel bytes() {
    return loaded = ExecuTorchModel.load(ModelSource.bytes(bytes), mmap);
  }
}
