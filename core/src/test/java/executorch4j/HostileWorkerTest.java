package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.internal.NativeLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker that lies (et4j-worker-liar, a test-only build: native-libs/src/worker/liar.h) in one
 * field or rule of each reply. Each time the JVM survives, the call fails with a typed error that
 * names what was wrong, the lying worker is killed, and the next load (by the real worker) works.
 */
@Tag("sanitized") // the client's checks of every reply run under ASan + UBSan too
class HostileWorkerTest {
  static final Path LIAR =
      Path.of(
          "core/target/natives",
          NativeLoader.platform(System.getProperty("os.name"), System.getProperty("os.arch")),
          "test-only/et4j-worker-liar");
  static Path lies;

  @BeforeAll
  static void liar() throws IOException {
    assertTrue(
        Files.isExecutable(LIAR), "the lying worker is built by native-libs/build.sh: " + LIAR);
    lies = Files.createTempDirectory("et4j-lies");
  }

  @AfterAll
  static void clean() throws IOException {
    try (var files = Files.list(lies)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(lies);
  }

  // ---- the load reply ----

  @Test
  void aLoadReplyToAnotherRequest() {
    refusedAtLoad("load-seq", "a reply to another request");
  }

  @Test
  void aLoadStatusNoFacadeDefines() {
    refusedAtLoad("load-status", "a status the facade does not define");
  }

  @Test
  void aLoadErrorTextLongerThanItsMessage() {
    refusedAtLoad("load-text", "a malformed reply head");
  }

  @Test
  void aDynamicDimensionMaskByteOtherThanZeroOrOne() {
    refusedAtLoad("load-mask", "mask byte other than 0 or 1");
  }

  @Test
  void aLoadReplyMissingAMask() {
    refusedAtLoad("load-short", "shorter than the layout");
  }

  @Test
  void aWorkerThatChoosesItsOwnSlot() {
    // The old protocol let the worker send offsets: an output 64 KiB before the shared memory
    // crashed the JVM in Elements.getDouble. Now any layout field is bytes the client never asked
    // for.
    refusedAtLoad("load-layout", "longer than the layout");
  }

  @Test
  void aLoadReplyPassingAnFd() {
    refusedAtLoad("load-fd", "passes an fd");
  }

  @Test
  void aLoadReplyOfGarbage() {
    refusedAtLoad("load-garbage", "breaks the protocol");
  }

  @Test
  void aLoadReplyAfterTheDeadline() {
    var e = assertThrows(ExecuTorchException.class, () -> load("load-late"));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains("did not answer load within 500 ms"), e.getMessage());
    theNextLoadWorks();
  }

  @Test
  void aWorkerThatExitsAfterItsLoadReply() {
    try (var model = load("load-exit")) {
      var e = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode(), e.getMessage());
      assertTrue(e.getMessage().contains("exited with status 0"), e.getMessage());
    }
    theNextLoadWorks();
  }

  // ---- the forward reply ----

  @Test
  void aForwardReplyToAnotherRequest() {
    refusedAtForward("forward-seq", "a reply to another request");
  }

  @Test
  void aForwardStatusNoFacadeDefines() {
    refusedAtForward("forward-status", "a status the facade does not define");
  }

  @Test
  void moreOutputsThanTheMethodHas() {
    refusedAtForward("forward-count", "an output count other than the method's");
  }

  @Test
  void anOutputLargerThanItsSlot() {
    // Before: memcpy past the 4 KiB memfd (SIGBUS), or a view past the mapping.
    refusedAtForward("forward-nbytes", "an output larger than its slot");
  }

  @Test
  void outputBytesThatDoNotMatchTheShape() {
    refusedAtForward("forward-shape", "do not match its shape");
  }

  @Test
  void anOutputRankAboveTheMaximum() {
    refusedAtForward("forward-rank", "an output rank outside [0, 8]");
  }

  @Test
  void aNegativeOutputSize() {
    refusedAtForward("forward-negative", "do not match its shape");
  }

  @Test
  void outputSizesWhoseProductOverflows() {
    refusedAtForward("forward-overflow", "do not match its shape");
  }

  @Test
  void anOutputDtypeNoRuntimeDefines() {
    refusedAtForward("forward-dtype", "an output dtype the runtime does not define");
  }

  @Test
  void aNegativeExecuteTime() {
    refusedAtForward("forward-elapsed", "a negative execute time");
  }

  @Test
  void aForwardReplyPassingAnFd() {
    refusedAtForward("forward-fd", "passes an fd");
  }

  @Test
  void aForwardReplyOfGarbage() {
    refusedAtForward("forward-garbage", "breaks the protocol");
  }

  @Test
  void aForwardReplyAfterTheDeadline() {
    try (var model = load("forward-late")) {
      var e = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertEquals(ErrorCode.TIMEOUT, e.errorCode(), e.getMessage());
    }
    theNextLoadWorks();
  }

  @Test
  void aWorkerThatExitsAfterItsForwardReply() {
    try (var model = load("forward-exit")) {
      assertEquals(7f, forward(model), "the reply itself was right");
      var e = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode(), e.getMessage());
    }
    theNextLoadWorks();
  }

  @Test
  void aSecondUnaskedReplyIsNotTakenForTheNextOne() {
    try (var model = load("forward-twice")) {
      assertEquals(7f, forward(model), "the first reply was right");
      var e = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode(), e.getMessage());
      assertTrue(e.getMessage().contains("a reply to another request"), e.getMessage());
    }
    theNextLoadWorks();
  }

  /**
   * Outputs are copied at the reply: what the worker writes to the shared memory later is unseen.
   */
  @Test
  void outputsDoNotChangeWhenTheWorkerWritesAfterItsReply() throws InterruptedException {
    try (var model = load("forward-scribble")) {
      Tensor y = model.forward(Map.of("input_0", new float[] {2f})).get("output_0");
      byte[] before = y.toByteArray();
      Thread.sleep(300); // the liar overwrites every output slot with 0xFF 50 ms after replying
      assertArrayEquals(before, y.toByteArray());
      assertEquals(7f, y.toFloatArray()[0]);
    }
  }

  // ----

  /** The liar through a symlink named for its lie: it reads the lie from argv[0]. */
  static ExecuTorchModel load(String lie) {
    Path link = lies.resolve(lie);
    try {
      if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, LIAR.toAbsolutePath());
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    String old = System.getProperty(WorkerProcess.WORKER_PROPERTY);
    System.setProperty(WorkerProcess.WORKER_PROPERTY, link.toString());
    try {
      return ExecuTorchModel.load(
          Fixtures.pte("linear_regression"),
          IsolationTest.ISOLATED.withCallTimeout(Duration.ofMillis(500)));
    } finally {
      if (old == null) {
        System.clearProperty(WorkerProcess.WORKER_PROPERTY);
      } else {
        System.setProperty(WorkerProcess.WORKER_PROPERTY, old);
      }
    }
  }

  static float forward(ExecuTorchModel model) {
    return model.forward(Map.of("input_0", new float[] {2f})).get("output_0").toFloatArray()[0];
  }

  static void refusedAtLoad(String lie, String why) {
    var e = assertThrows(ExecuTorchException.class, () -> load(lie).close());
    assertRefused(e, why);
    theNextLoadWorks();
  }

  static void refusedAtForward(String lie, String why) {
    try (var model = load(lie)) {
      int pid = model.workerPid();
      var e = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertRefused(e, why);
      assertTrue(pid > 0 && ProcessHandle.of(pid).isEmpty(), "the lying worker was killed");
      var again = assertThrows(ExecuTorchException.class, () -> forward(model));
      assertEquals(ErrorCode.WORKER_CRASHED, again.errorCode());
      assertTrue(again.getMessage().contains("load the model again"), again.getMessage());
    }
    theNextLoadWorks();
  }

  static void assertRefused(ExecuTorchException e, String why) {
    assertEquals(ErrorCode.WORKER_CRASHED, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains("breaks the protocol"), e.getMessage());
    assertTrue(e.getMessage().contains(why), "expected '" + why + "' in: " + e.getMessage());
  }

  /** The real worker loads and runs the same program right after. */
  static void theNextLoadWorks() {
    try (var model =
        ExecuTorchModel.load(Fixtures.pte("linear_regression"), IsolationTest.ISOLATED)) {
      assertEquals(7f, forward(model));
    }
  }
}
