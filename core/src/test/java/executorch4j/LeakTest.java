package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.internal.ChildJvm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 10,000 load/forward/close cycles per memory policy hold no native memory and grow RSS by less
 * than 5 MiB. Each policy runs in a forked JVM with a fixed, pre-touched heap and only the C1
 * compiler, so RSS measures native memory, not the Java heap's breathing or C2's compiler arenas
 * (which alone grew RSS by 3-6 MiB here, not in proportion to the cycles).
 */
class LeakTest {
  static final int CYCLES = Integer.getInteger("executorch4j.leak.cycles", 10_000);

  @ParameterizedTest
  @EnumSource(MemoryPolicy.class)
  void loadForwardCloseCycles(MemoryPolicy policy) throws Exception {
    Process p =
        ChildJvm.start(
            Worker.class,
            List.of(
                "-Xms64m",
                "-Xmx64m",
                "-XX:+AlwaysPreTouch",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"),
            List.of(
                policy.name(), Integer.toString(CYCLES), Fixtures.pte("mlp_portable").toString()));
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(600));
    String out = child.out().trim();
    assertEquals(0, child.exitCode(), out);
    String last = out.lines().reduce((a, b) -> b).orElse("");
    System.out.println(policy + ": " + last);
    String[] f = last.split(" ");
    long growth = Long.parseLong(f[1]);
    assertEquals("0", f[3], "native bytes held after close: " + last);
    assertEquals("0", f[5], "custom blocks still held: " + last);
    assertTrue(growth < 5 * 1048576, "RSS grew " + growth + " bytes over " + CYCLES + " cycles");
  }

  /** The forked side: prints "RSS_GROWTH n LIVE_BYTES n CUSTOM_BLOCKS n". */
  public static final class Worker {
    public static void main(String[] args) throws IOException {
      MemoryPolicy policy = MemoryPolicy.valueOf(args[0]);
      int cycles = Integer.parseInt(args[1]);
      Path path = Path.of(args[2]);
      long pool = ExecuTorchModel.requiredPoolBytes(path);
      ArenaAllocator custom = new ArenaAllocator();
      LoadOptions options =
          (switch (policy) {
                case AUTO -> LoadOptions.defaults();
                case STATIC -> LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, pool);
                case CUSTOM -> LoadOptions.defaults().withAllocator(custom);
              })
              .withOptimization(OptimizationLevel.NONE);
      float[] x = new float[16];
      Runnable cycle =
          () -> {
            try (var model = ExecuTorchModel.load(path, options)) {
              model.forward(Map.of("input_0", x));
            }
          };
      for (int i = 0; i < 1000; i++) {
        cycle.run(); // JIT, malloc arenas and the page cache settle before the baseline
      }
      System.gc();
      long before = rss();
      for (int i = 0; i < cycles; i++) {
        cycle.run();
      }
      System.gc();
      System.out.println(
          "RSS_GROWTH "
              + (rss() - before)
              + " LIVE_BYTES "
              + ExecuTorchRuntime.nativeBytesInUse()
              + " CUSTOM_BLOCKS "
              + custom.live());
    }

    static long rss() throws IOException {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(statm[1]) * 4096;
    }
  }

  /** Blocks from confined arenas, freed on release. */
  static final class ArenaAllocator implements NativeAllocator {
    private final Map<MemorySegment, Arena> live = new java.util.IdentityHashMap<>();

    @Override
    public synchronized MemorySegment allocate(long size, long alignment) {
      Arena a = Arena.ofConfined();
      MemorySegment s = a.allocate(Math.max(1, size), alignment);
      live.put(s, a);
      return s;
    }

    @Override
    public synchronized void release(MemorySegment block) {
      live.remove(block).close();
    }

    synchronized int live() {
      return live.size();
    }
  }
}
