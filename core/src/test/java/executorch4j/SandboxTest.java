package executorch4j;

import static executorch4j.IsolationTest.EPERM;
import static executorch4j.IsolationTest.OPEN;
import static executorch4j.IsolationTest.debugWorker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a sandboxed worker can still do, asked of the worker itself through its debug probes and
 * checked in /proc by this process: confined before the program's first byte is read, unable to
 * signal or limit its parent, blind to the file system.
 */
class SandboxTest {
  // Probe numbers of et_worker_debug_probe (native-libs/src/worker/et4j_ipc.h).
  static final int TGKILL_PARENT = 9,
      KILL_PARENT = 10,
      PRLIMIT_PARENT = 11,
      SET_OWN_LIMIT = 12,
      TKILL = 13,
      STAT = 14,
      UNAME = 15,
      TGKILL_SELF = 16;

  /**
   * Before any load request: the load-stage filter is on (one filter, no_new_privs) and open is
   * refused; loading stacks the execute-stage filter.
   */
  @Test
  void theFilterIsActiveBeforeTheProgramIsRead() throws IOException {
    try (var worker = WorkerProcess.start(LoadOptions.defaults(), true)) {
      // The probe's reply proves the worker reached its request loop, where no program exists yet.
      assertEquals(EPERM, worker.debugProbe(OPEN), "open before the program is sent");
      Sandbox before = Sandbox.of(worker.pid());
      assertEquals(1, before.seccompFilters(), before.toString());
      assertTrue(before.noNewPrivileges(), before.toString());
      byte[] bytes = Files.readAllBytes(Fixtures.pte("mlp_xnnpack"));
      MemorySegment program = Arena.ofAuto().allocate(bytes.length);
      program.copyFrom(MemorySegment.ofArray(bytes));
      worker.load(program, LoadOptions.defaults());
      Sandbox after = Sandbox.of(worker.pid());
      assertEquals(2, after.seccompFilters(), "the execute-stage filter stacked: " + after);
      assertEquals(EPERM, worker.debugProbe(OPEN), "open after loading");
    }
  }

  /** Signals and limits on its parent fail; signals to itself (abort, raise) still work. */
  @Test
  void aWorkerCannotSignalOrLimitItsParent() {
    try (var worker = debugWorker("linear_regression", LoadOptions.defaults())) {
      assertEquals(EPERM, worker.debugProbe(TGKILL_PARENT), "tgkill(parent)");
      assertEquals(EPERM, worker.debugProbe(KILL_PARENT), "kill(parent)");
      assertEquals(EPERM, worker.debugProbe(PRLIMIT_PARENT), "prlimit64(parent)");
      assertEquals(EPERM, worker.debugProbe(SET_OWN_LIMIT), "prlimit64 setting its own limit");
      assertEquals(EPERM, worker.debugProbe(TKILL), "tkill");
      assertEquals(0, worker.debugProbe(TGKILL_SELF), "tgkill(itself)");
    }
    // Without the sandbox the same probes succeed: the refusals above are the filter's.
    try (var worker = debugWorker("linear_regression", LoadOptions.defaults().withSandbox(false))) {
      assertEquals(0, worker.debugProbe(TGKILL_PARENT), "tgkill(parent, 0) unsandboxed");
      assertEquals(0, worker.debugProbe(PRLIMIT_PARENT), "prlimit64(parent) unsandboxed");
    }
  }

  /** No path resolves (stat, uname refused) and the root is empty in the worker's namespace. */
  @Test
  void aWorkerSeesNoFileSystem() {
    try (var worker = debugWorker("linear_regression", LoadOptions.defaults())) {
      assertEquals(EPERM, worker.debugProbe(STAT), "stat(/etc/passwd)");
      assertEquals(EPERM, worker.debugProbe(UNAME), "uname");
      Sandbox sandbox = Sandbox.of(worker.pid());
      // This needs unprivileged user namespaces (Linux >= 3.8, not disabled by sysctl/AppArmor).
      assertTrue(
          sandbox.emptyRoot(),
          "expected an empty root (needs unprivileged user namespaces): " + sandbox);
    }
    try (var worker = debugWorker("linear_regression", LoadOptions.defaults().withSandbox(false))) {
      assertEquals(0, worker.debugProbe(STAT), "stat(/etc/passwd) unsandboxed");
      Sandbox none = Sandbox.of(worker.pid());
      assertEquals(new Sandbox(0, false, false, false), none);
    }
  }

  /** The public report: a sandboxed isolated model says so, an in-process one has none. */
  @Test
  void anIsolatedModelReportsItsSandbox() {
    try (var isolated =
            ExecuTorchModel.load(Fixtures.pte("linear_regression"), IsolationTest.ISOLATED);
        var local = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      Sandbox sandbox = isolated.sandbox().orElseThrow();
      assertTrue(sandbox.filtered(), sandbox.toString());
      assertTrue(sandbox.toString().contains("2 seccomp filters"), sandbox.toString());
      assertEquals(Optional.empty(), local.sandbox());
      assertEquals(
          7f,
          isolated.forward(Map.of("input_0", new float[] {2f})).get("output_0").toFloatArray()[0]);
    }
  }
}
