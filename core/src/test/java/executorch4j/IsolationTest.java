package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Isolation.PROCESS: the same outputs bit for bit and the same errors as in-process; a worker that
 * crashes or hangs fails the call (WORKER_CRASHED naming the signal, TIMEOUT) and nothing else; the
 * worker's sandbox refuses what execution does not need.
 */
class IsolationTest {
  /**
   * Isolated with the default limits; under scripts/test.sh asan without the address-space limit:
   * the ASan worker reserves terabytes of shadow memory at start, which any RLIMIT_AS refuses.
   */
  static final LoadOptions ISOLATED =
      Boolean.getBoolean("executorch4j.expect.sanitized")
          ? LoadOptions.defaults().withIsolation(Isolation.PROCESS).withWorkerLimits(0, 0)
          : LoadOptions.defaults().withIsolation(Isolation.PROCESS);

  // Probe numbers of et_worker_debug_probe (native-libs/src/worker/et4j_ipc.h).
  static final int OPEN = 1,
      SOCKET = 2,
      EXECVE = 3,
      PTRACE = 4,
      CRASH = 5,
      HANG = 6,
      ABORT = 7,
      SPIN = 8;
  static final int EPERM = 1; // Linux errno

  static List<String> fixtures() {
    return Fixtures.names().toList();
  }

  /**
   * Every golden case: isolated outputs equal in-process outputs byte for byte, and match the
   * golden.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void isolatedOutputsAreBitForBitTheInProcessOnes(String name) {
    Fixtures.Golden golden = Fixtures.golden(name);
    int checked = 0;
    try (var local = ExecuTorchModel.load(Fixtures.pte(name));
        var isolated = ExecuTorchModel.load(Fixtures.pte(name), ISOLATED)) {
      assertEquals(local.methodNames(), isolated.methodNames());
      for (var method : golden.methods().entrySet()) {
        assertEquals(
            local.methodMeta(method.getKey()), isolated.methodMeta(method.getKey()), "metadata");
        for (Fixtures.Case kase : method.getValue().cases()) {
          Tensor[] inputs =
              kase.inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
          Map<String, Tensor> want = local.execute(method.getKey(), inputs);
          Map<String, Tensor> got = isolated.execute(method.getKey(), inputs);
          assertEquals(want.keySet(), got.keySet());
          for (int o = 0; o < kase.outputs().size(); o++) {
            String key = "output_" + o;
            assertEquals(want.get(key).dtype(), got.get(key).dtype());
            assertArrayEquals(want.get(key).shape(), got.get(key).shape());
            assertArrayEquals(
                want.get(key).toByteArray(), got.get(key).toByteArray(), name + " " + key);
            Fixtures.assertMatches(
                kase.outputs().get(o), got.get(key), golden.tolerance(), name + " " + key);
          }
          checked++;
        }
      }
    }
    assertEquals(GoldenFixturesTest.EXPECTED_CASES.get(name), checked);
  }

  /** Every ModelSource reaches the worker: bytes, memory, stream, channel. */
  @Test
  void everyModelSourceLoadsIsolated() throws IOException {
    Path path = Fixtures.pte("linear_regression");
    byte[] bytes = Files.readAllBytes(path);
    var arena = java.lang.foreign.Arena.ofAuto();
    var native_ =
        arena.allocate(bytes.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(bytes));
    List<ModelSource> sources =
        List.of(
            ModelSource.bytes(bytes),
            ModelSource.memory(native_),
            ModelSource.stream(new java.io.ByteArrayInputStream(bytes)),
            ModelSource.channel(java.nio.channels.FileChannel.open(path)));
    for (ModelSource source : sources) {
      try (var model = ExecuTorchModel.load(source, ISOLATED)) {
        assertEquals(bytes.length, model.sourceBytes(), source.getClass().getSimpleName());
        assertEquals(
            7f,
            model.forward(Map.of("input_0", new float[] {2f})).get("output_0").toFloatArray()[0]);
      }
    }
  }

  @Test
  void isolatedErrorsAreTheInProcessOnes() {
    for (String name : List.of("unknown_backend", "custom_op")) {
      var local =
          assertThrows(ExecuTorchException.class, () -> ExecuTorchModel.load(Fixtures.pte(name)));
      var isolated =
          assertThrows(
              ExecuTorchException.class, () -> ExecuTorchModel.load(Fixtures.pte(name), ISOLATED));
      assertEquals(local.errorCode(), isolated.errorCode(), name);
      assertEquals(local.getMessage(), isolated.getMessage(), name);
    }
    try (var local = ExecuTorchModel.load(Fixtures.pte("add_mul"));
        var isolated = ExecuTorchModel.load(Fixtures.pte("add_mul"), ISOLATED)) {
      Tensor wrong = Tensor.of(new float[4], 2, 2);
      Tensor ok = Tensor.of(new float[6], 2, 3);
      var a = assertThrows(ExecuTorchException.class, () -> local.forward(ok, wrong));
      var b = assertThrows(ExecuTorchException.class, () -> isolated.forward(ok, wrong));
      assertEquals(ErrorCode.INPUT_MISMATCH, b.errorCode());
      assertEquals(a.getMessage(), b.getMessage());
    }
    var notFound =
        assertThrows(
            ExecuTorchException.class,
            () -> ExecuTorchModel.load(Path.of("fixtures/no_such.pte"), ISOLATED));
    assertEquals(ErrorCode.FILE_NOT_FOUND, notFound.errorCode());
    var staticPool =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    Fixtures.pte("linear_regression"),
                    ISOLATED.withMemory(MemoryPolicy.STATIC, 1 << 20)));
    assertEquals(ErrorCode.NOT_SUPPORTED, staticPool.errorCode());
  }

  @Test
  void aCrashedWorkerFailsItsCallsAndNothingElse() {
    try (var other = ExecuTorchModel.load(Fixtures.pte("linear_regression"));
        var worker = debugWorker("linear_regression", LoadOptions.defaults())) {
      int pid = worker.pid();
      assertTrue(pid > 0);
      var e = assertThrows(ExecuTorchException.class, () -> worker.debugProbe(CRASH));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode());
      assertTrue(e.getMessage().contains("signal 11 (SIGSEGV)"), e.getMessage());
      assertEquals(0, worker.pid());
      var again = assertThrows(ExecuTorchException.class, () -> worker.debugProbe(OPEN));
      assertEquals(ErrorCode.WORKER_CRASHED, again.errorCode());
      assertTrue(ProcessHandle.of(pid).isEmpty(), "the dead worker was reaped");
      assertEquals(
          7f, other.forward(Map.of("input_0", new float[] {2f})).get("output_0").toFloatArray()[0]);
    }
    try (var worker = debugWorker("linear_regression", LoadOptions.defaults())) {
      var e = assertThrows(ExecuTorchException.class, () -> worker.debugProbe(ABORT));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode());
      assertTrue(e.getMessage().contains("signal 6 (SIGABRT)"), e.getMessage());
    }
  }

  @Test
  void aHungWorkerIsKilledAtTheDeadline() {
    try (var worker =
        debugWorker(
            "linear_regression", LoadOptions.defaults().withCallTimeout(Duration.ofMillis(300)))) {
      int pid = worker.pid();
      var e = assertThrows(ExecuTorchException.class, () -> worker.debugProbe(HANG));
      assertEquals(ErrorCode.TIMEOUT, e.errorCode());
      assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
      assertTrue(ProcessHandle.of(pid).isEmpty(), "the hung worker was killed and reaped");
    }
  }

  /** RLIMIT_CPU: a worker that burns more CPU seconds than its limit is killed by SIGXCPU. */
  @Test
  void aCpuLimitKillsAWorkerThatSpins() {
    try (var worker =
        debugWorker("linear_regression", LoadOptions.defaults().withWorkerLimits(0, 1))) {
      var e = assertThrows(ExecuTorchException.class, () -> worker.debugProbe(SPIN));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode());
      assertTrue(e.getMessage().contains("(SIGXCPU)"), e.getMessage());
    }
  }

  /** After loading, the sandbox refuses open, socket, execve and ptrace; without it they work. */
  @Test
  void theSandboxRefusesForbiddenSystemCalls() {
    try (var worker = debugWorker("mlp_xnnpack", LoadOptions.defaults())) {
      assertEquals(EPERM, worker.debugProbe(OPEN), "open");
      assertEquals(EPERM, worker.debugProbe(SOCKET), "socket");
      assertEquals(EPERM, worker.debugProbe(EXECVE), "execve");
      assertEquals(EPERM, worker.debugProbe(PTRACE), "ptrace");
    }
    try (var worker = debugWorker("mlp_xnnpack", LoadOptions.defaults().withSandbox(false))) {
      assertEquals(0, worker.debugProbe(OPEN), "open without the sandbox");
      assertEquals(0, worker.debugProbe(SOCKET), "socket without the sandbox");
    }
  }

  /** A sandboxed worker still runs the XNNPACK fixtures (threads, memory) correctly. */
  @Test
  void aSandboxedWorkerRunsXnnpackWithThreads() {
    try (var local =
            ExecuTorchModel.load(
                Fixtures.pte("cnn_xnnpack"), LoadOptions.defaults().withThreads(4));
        var isolated = ExecuTorchModel.load(Fixtures.pte("cnn_xnnpack"), ISOLATED.withThreads(4))) {
      Tensor x = Tensor.fromArray(new float[3 * 32 * 32], DType.FLOAT32, 1, 3, 32, 32);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(
            local.forward(x).get("output_0").toByteArray(),
            isolated.forward(x).get("output_0").toByteArray());
      }
    }
  }

  /**
   * RLIMIT_AS: a worker limited below what the runtime needs fails to load, typed; the JVM is fine.
   */
  @Test
  void aMemoryLimitTooSmallFailsTheLoadNotTheJvm() {
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    Fixtures.pte("cnn_xnnpack"), ISOLATED.withWorkerLimits(16L << 20, 0)));
    assertNotEquals(ErrorCode.INTERNAL, e.errorCode(), e.getMessage());
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("cnn_xnnpack"), ISOLATED.withWorkerLimits(4L << 30, 60))) {
      assertEquals(
          10, model.forward(Tensor.zeros(DType.FLOAT32, 1, 3, 32, 32)).get("output_0").numel());
    }
  }

  /**
   * Every reproducer that kills a plain JVM (fuzz/crashers, in_jvm = kills-jvm:*) gives
   * WORKER_CRASHED through isolation; afterwards this JVM loads and runs linear_regression.
   */
  @Test
  void everyJvmKillingCrasherGivesWorkerCrashed() throws IOException {
    List<Path> crashers = Crashers.where("kills-jvm");
    assertTrue(crashers.size() >= 20, "crashers found: " + crashers.size());
    List<String> wrong = new ArrayList<>();
    for (Path crasher : crashers) {
      ErrorCode got = runIsolated(Files.readAllBytes(crasher));
      if (got != ErrorCode.WORKER_CRASHED) {
        wrong.add(crasher.getFileName() + " -> " + got);
      }
    }
    assertEquals(List.of(), wrong);
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"), ISOLATED)) {
      assertEquals(
          7f, model.forward(Map.of("input_0", new float[] {2f})).get("output_0").toFloatArray()[0]);
    }
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertEquals(
          1f,
          model.forward(Map.of("input_0", new float[] {-1f})).get("output_0").toFloatArray()[0]);
    }
  }

  /**
   * Load, forward, close 50 times: every worker exits and is reaped, no fd or mapping is left
   * behind.
   */
  @Test
  void closingAnIsolatedModelLeavesNoProcessFdOrMapping() throws IOException {
    long fds = -1;
    long maps = -1;
    for (int i = 0; i <= 50; i++) {
      try (var model = ExecuTorchModel.load(Fixtures.pte("add_mul"), ISOLATED)) {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(36f, model.forward(a, a).get("output_1").toFloatArray()[5]); // 6 * 6
      }
      if (i == 0) { // after one cycle: the natives are loaded
        fds = openFds();
        maps = ioMappings();
      }
    }
    assertEquals(0, ProcessHandle.current().children().count(), "no worker left");
    assertEquals(fds, openFds(), "open file descriptors");
    assertEquals(maps, ioMappings(), "shared IO mappings");
  }

  private static long openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static long ioMappings() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains("memfd:et4j-io"))
        .count();
  }

  /** Loads isolated and runs every method once on zeros; the error code, or null when all ran. */
  static ErrorCode runIsolated(byte[] program) {
    // Without the declared-bytes cap, so the worker meets every crasher: with it, one of them
    // (crash-16bb0c97...) is refused before a worker starts, OUT_OF_RESOURCES.
    try (var model =
        ExecuTorchModel.load(ModelSource.bytes(program), ISOLATED.withDeclaredBytesLimit(0))) {
      for (String name : model.methodNames()) {
        MethodMeta meta = model.methodMeta(name);
        Tensor[] inputs =
            meta.inputs().stream()
                .map(t -> Tensor.zeros(t.dtype(), t.shape()))
                .toArray(Tensor[]::new);
        model.execute(name, inputs);
      }
      return null;
    } catch (ExecuTorchException e) {
      return e.errorCode();
    }
  }

  /**
   * A worker with its debug probes on, the fixture loaded (so sandboxed unless the options say
   * not).
   */
  static WorkerProcess debugWorker(String fixture, LoadOptions options) {
    WorkerProcess worker = WorkerProcess.start(options, true);
    try {
      byte[] bytes = Files.readAllBytes(Fixtures.pte(fixture));
      var seg = java.lang.foreign.Arena.ofAuto().allocate(bytes.length);
      seg.copyFrom(java.lang.foreign.MemorySegment.ofArray(bytes));
      worker.load(seg, options);
      return worker;
    } catch (IOException | RuntimeException e) {
      worker.close();
      throw new AssertionError(e);
    }
  }
}
