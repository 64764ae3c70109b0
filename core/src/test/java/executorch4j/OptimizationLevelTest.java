package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each level changes real runtime knobs, and outputs stay within tolerance at every level. */
class OptimizationLevelTest {

  static Stream<Arguments> fixturesByLevel() {
    return Fixtures.names()
        .flatMap(n -> Stream.of(OptimizationLevel.values()).map(l -> Arguments.of(n, l)));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @MethodSource("fixturesByLevel")
  void goldenOutputsAtEveryLevel(String name, OptimizationLevel level) {
    Fixtures.Golden golden = Fixtures.golden(name);
    try (var model =
        ExecuTorchModel.load(Fixtures.pte(name), LoadOptions.defaults().withOptimization(level))) {
      for (var method : golden.methods().entrySet()) {
        for (Fixtures.Case kase : method.getValue().cases()) {
          Tensor[] in = kase.inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
          Map<String, Tensor> out = model.execute(method.getKey(), in);
          for (int o = 0; o < kase.outputs().size(); o++) {
            Fixtures.assertMatches(
                kase.outputs().get(o),
                out.get("output_" + o),
                golden.tolerance(),
                name + " at " + level);
          }
        }
      }
    }
  }

  @Test
  void levelsMapToRealKnobs() {
    assertEquals(1, OptimizationLevel.NONE.threads());
    assertEquals(LoadMode.FILE, OptimizationLevel.NONE.loadMode());
    assertEquals(0, OptimizationLevel.NONE.warmupRuns());
    assertEquals(0, OptimizationLevel.NONE.jitPrimeCalls(), "NONE loads fastest: no dry calls");
    assertTrue(
        OptimizationLevel.BASIC.jitPrimeCalls() > 0
            && OptimizationLevel.AGGRESSIVE.jitPrimeCalls() > 0);
    assertEquals(
        Runtime.getRuntime().availableProcessors(), OptimizationLevel.AGGRESSIVE.threads());
    assertEquals(LoadMode.MMAP_MLOCK, OptimizationLevel.AGGRESSIVE.loadMode());
    assertTrue(OptimizationLevel.AGGRESSIVE.xnnpackWeightCache());
    // Per model, so calls on different models never wait on one shared workspace's lock.
    assertEquals(1, OptimizationLevel.BASIC.xnnpackWorkspaceSharing());
    assertEquals(1, OptimizationLevel.AGGRESSIVE.xnnpackWorkspaceSharing());
    assertEquals(LoadMode.MMAP, LoadOptions.defaults().effectiveLoadMode());
    assertEquals(
        LoadMode.FILE,
        LoadOptions.defaults()
            .withOptimization(OptimizationLevel.AGGRESSIVE)
            .withLoadMode(LoadMode.FILE)
            .effectiveLoadMode(),
        "an explicit load mode wins");
  }

  @Test
  void aggressiveSizesTheProcessWidePool() {
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_xnnpack"),
            LoadOptions.defaults().withOptimization(OptimizationLevel.AGGRESSIVE))) {
      assertEquals(
          Runtime.getRuntime().availableProcessors(), executorch4j.internal.Native.poolThreads());
    }
  }

  @Test
  void aggressiveSizesThePoolToEveryCoreAfterANoneModel() {
    // NONE runs on the caller's thread (a no-threadpool guard; the process pool keeps its size).
    try (var none =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_xnnpack"),
            LoadOptions.defaults().withOptimization(OptimizationLevel.NONE))) {
      Fixtures.Golden golden = Fixtures.golden("cnn_xnnpack");
      var kase = golden.methods().get("forward").cases().getFirst();
      Fixtures.assertMatches(
          kase.outputs().getFirst(),
          none.forward(kase.inputs().getFirst().toTensor()).get("output_0"),
          golden.tolerance(),
          "single-threaded");
    }
    // The process-wide pool, read straight from the runtime (not from the options).
    try (var aggressive =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_xnnpack"),
            LoadOptions.defaults().withOptimization(OptimizationLevel.AGGRESSIVE))) {
      assertEquals(
          Runtime.getRuntime().availableProcessors(), executorch4j.internal.Native.poolThreads());
    }
  }

  /**
   * Child JVM: BASIC's thread count and one golden forward at BASIC, as this process sees its CPUs.
   */
  public static void main(String[] args) {
    System.out.println("basic threads " + OptimizationLevel.BASIC.threads());
    System.out.println("runtime default " + executorch4j.internal.Native.defaultPoolThreads());
    Fixtures.Golden golden = Fixtures.golden("cnn_xnnpack");
    var kase = golden.methods().get("forward").cases().getFirst();
    try (var model = ExecuTorchModel.load(Fixtures.pte("cnn_xnnpack"))) {
      Fixtures.assertMatches(
          kase.outputs().getFirst(),
          model.forward(kase.inputs().getFirst().toTensor()).get("output_0"),
          golden.tolerance(),
          "BASIC on one CPU");
    }
    System.out.println("golden ok");
    // The runtime's process-wide pool after a BASIC load and forward, read back from the runtime.
    System.out.println("runtime pool " + executorch4j.internal.Native.poolThreads());
  }

  @Test
  void basicNeverUsesMoreThreadsThanTheProcessMayUse() throws Exception {
    // One CPU as the JVM sees it under taskset or a container quota; the runtime still counts the
    // machine's cores (ExecuTorch's default pool ignores both).
    Process p =
        executorch4j.internal.ChildJvm.start(
            OptimizationLevelTest.class,
            List.of("-XX:ActiveProcessorCount=1", "-Dexecutorch4j.fixtures=" + Fixtures.DIR),
            List.of());
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(120));
    String out = child.out();
    assertEquals(0, child.exitCode(), out);
    assertTrue(out.contains("basic threads 1\n"), out);
    assertTrue(out.contains("golden ok"), out);
    // A one-thread setting runs every call on the caller's thread under ExecuTorch's
    // NoThreadPoolGuard: the process pool keeps its default size and gets no work, so its size
    // cannot show the 1. What it can show: BASIC never grew it past the runtime's own default.
    int pool = intLine(out, "runtime pool ");
    assertTrue(
        pool >= 1 && pool <= Math.max(1, intLine(out, "runtime default ")),
        "the runtime's pool: " + out);
    // The runtime's own default in this process, for contrast: what BASIC used before the cap.
    assertEquals(
        intLine(out, "runtime default "), executorch4j.internal.Native.defaultPoolThreads(), out);
  }

  private static int intLine(String childOut, String prefix) {
    return childOut
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToInt(l -> Integer.parseInt(l.substring(prefix.length())))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line:\n" + childOut));
  }

  @Test
  void warmUpsAreNeitherInferencesNorProfiledRuns() {
    // Every level, warm-ups or not: a fresh model has counted nothing and has no run to profile.
    for (OptimizationLevel level : OptimizationLevel.values()) {
      try (var model =
          ExecuTorchModel.load(
              Fixtures.pte("cnn_portable"),
              LoadOptions.defaults().withOptimization(level).withProfiling(true))) {
        assertEquals(
            0, model.inferenceStats().count(), level + ": warm-up executes are not counted");
        assertEquals(
            ErrorCode.INVALID_STATE,
            org.junit.jupiter.api.Assertions.assertThrows(ExecuTorchException.class, model::profile)
                .errorCode(),
            level + ": warm-ups are not the caller's run");
        model.forward(Map.of("input_0", new float[3 * 32 * 32]));
        assertEquals(1, model.inferenceStats().count(), level.toString());
        // One execute's worth of operator events, not warm-ups' as well (7 kernels in the CNN).
        assertEquals(
            7,
            model.profile().events().stream()
                .filter(e -> e.kind() == ProfileReport.Kind.OPERATOR)
                .count(),
            level.toString());
      }
    }
  }

  @Test
  void timingStatsCoverEveryExecute() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      assertEquals(0, model.inferenceStats().count());
      for (int i = 0; i < 20; i++) {
        model.forward(Map.of("input_0", new float[16]));
      }
      InferenceStats s = model.inferenceStats();
      assertEquals(20, s.count());
      assertTrue(
          s.minNanos() > 0
              && s.minNanos() <= s.p50Nanos()
              && s.p50Nanos() <= s.p99Nanos()
              && s.p99Nanos() <= s.maxNanos(),
          s.toString());
      assertTrue(s.minNanos() <= s.meanNanos() && s.meanNanos() <= s.maxNanos(), s.toString());
      model.resetStats();
      assertEquals(0, model.inferenceStats().count());
      model.forward(Map.of("input_0", new float[16]));
      InferenceStats once = model.inferenceStats();
      assertEquals(1, once.count(), "a reset, then one run");
      org.junit.jupiter.api.Assertions.assertSame(
          once, model.inferenceStats(), "no run in between: read again, not recomputed");
      model.forward(Map.of("input_0", new float[16]));
      assertEquals(2, model.inferenceStats().count(), "a new run is seen");
    }
  }
}
