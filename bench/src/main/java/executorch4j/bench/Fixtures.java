package executorch4j.bench;

import executorch4j.DType;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Locates the repository's {@code fixtures/} folder and makes seeded inputs. */
final class Fixtures {
  /** Seed of every input, shared with the C++ and Python runners (values differ, not sizes). */
  static final long SEED = 42;

  private Fixtures() {}

  /**
   * The fixtures folder: {@code -Dexecutorch4j.fixtures}, then {@code $EXECUTORCH4J_FIXTURES}, then
   * {@code fixtures/} or {@code ../fixtures} from the working directory, then relative to the
   * benchmark jar ({@code bench/target/benchmarks.jar} → {@code fixtures/}).
   */
  static Path dir() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty("executorch4j.fixtures");
    if (prop != null && !prop.isBlank()) {
      Path p = Path.of(prop).toAbsolutePath().normalize();
      if (!Files.isDirectory(p)) {
        throw new IllegalStateException(
            "-Dexecutorch4j.fixtures=" + prop + " is not a directory (" + p + ")");
      }
      return p;
    }
    String env = System.getenv("EXECUTORCH4J_FIXTURES");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    candidates.add(Path.of("fixtures"));
    candidates.add(Path.of("..", "fixtures"));
    try {
      Path jar =
          Path.of(Fixtures.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = jar.getParent(); p != null; p = p.getParent()) {
        candidates.add(p.resolve("fixtures"));
      }
    } catch (URISyntaxException | RuntimeException ignored) {
      // no code source: only the working-directory candidates
    }
    for (Path c : candidates) {
      Path p = c.toAbsolutePath().normalize();
      if (Files.isRegularFile(p.resolve("linear_regression.pte"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "fixtures/ not found; pass -Dexecutorch4j.fixtures=/path/to/fixtures (tried "
            + candidates.stream().map(c -> c.toAbsolutePath().normalize().toString()).toList()
            + ")");
  }

  static Path file(String name) {
    Path p = dir().resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException("missing fixture " + p);
    }
    return p;
  }

  /** Native tensors of the declared dtypes and shapes, filled with seeded values in [-1, 1). */
  static Tensor[] inputs(List<TensorMeta> declared, Arena arena) {
    SplittableRandom rnd = new SplittableRandom(SEED);
    Tensor[] out = new Tensor[declared.size()];
    for (int i = 0; i < out.length; i++) {
      TensorMeta t = declared.get(i);
      DType dt = t.dtype();
      long n = t.numel();
      MemorySegment seg = arena.allocate(n * dt.byteSize(), 64);
      for (long j = 0; j < n; j++) {
        double v = rnd.nextDouble(-1.0, 1.0);
        switch (dt) {
          case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT, j, (float) v);
          case FLOAT64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE, j, v);
          case FLOAT16 ->
              seg.setAtIndex(ValueLayout.JAVA_SHORT, j, Float.floatToFloat16((float) v));
          case INT64 -> seg.setAtIndex(ValueLayout.JAVA_LONG, j, (long) (v * 100));
          case INT32 -> seg.setAtIndex(ValueLayout.JAVA_INT, j, (int) (v * 100));
          case BOOL -> seg.set(ValueLayout.JAVA_BYTE, j, (byte) (v > 0 ? 1 : 0));
          default ->
              throw new IllegalArgumentException("no seeded filler for " + dt + " (" + t + ")");
        }
      }
      out[i] = Tensor.wrap(seg, dt, t.shape());
    }
    return out;
  }
}
