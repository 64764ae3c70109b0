package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The default limits (LoadOptions' table): their values through the public API, the declared-bytes
 * cap refusing a program before anything is allocated for it, and an isolated worker's address
 * space limit. The hostile programs are the exporter's mlp_portable (input float32[1,16], planned
 * buffers [0, 16896]) with declared sizes rewritten in place (PteFile), nothing else changed.
 */
class LimitsTest {
  static final long GIB = 1L << 30;

  @Test
  void theDefaultsAreVisibleThroughThePublicApi() {
    LoadOptions d = LoadOptions.defaults();
    assertEquals(Optional.of(Duration.ofSeconds(60)), d.callTimeout());
    assertEquals(17_179_869_184L, d.memoryLimitBytes()); // 16 GiB
    assertEquals(0, d.cpuLimitSeconds());
    assertEquals(4_294_967_296L, d.declaredBytesLimit()); // 4 GiB
    assertEquals(Duration.ofSeconds(60), LoadOptions.DEFAULT_CALL_TIMEOUT);
    assertEquals(17_179_869_184L, LoadOptions.DEFAULT_WORKER_MEMORY_LIMIT);
    assertEquals(4_294_967_296L, LoadOptions.DEFAULT_DECLARED_BYTES_LIMIT);
    // Isolating keeps them.
    LoadOptions iso = d.withIsolation(Isolation.PROCESS);
    assertEquals(Optional.of(Duration.ofSeconds(60)), iso.callTimeout());
    assertEquals(17_179_869_184L, iso.memoryLimitBytes());
  }

  @Test
  void zeroMeansNoLimitAndNegativeIsRefused() {
    LoadOptions d = LoadOptions.defaults();
    assertEquals(Optional.empty(), d.withCallTimeout(Duration.ZERO).callTimeout());
    assertEquals(0, d.withWorkerLimits(0, 0).memoryLimitBytes());
    assertEquals(0, d.withDeclaredBytesLimit(0).declaredBytesLimit());
    assertThrows(IllegalArgumentException.class, () -> d.withCallTimeout(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> d.withDeclaredBytesLimit(-1));
    assertThrows(IllegalArgumentException.class, () -> d.withWorkerLimits(-1, 0));
  }

  /** The kernel's word on the worker's RLIMIT_AS, read from /proc, not the options'. */
  @Test
  void theDefaultAddressSpaceLimitReachesTheWorker() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Boolean.getBoolean("executorch4j.expect.sanitized"), "an ASan worker runs without it");
    try (var model =
        ExecuTorchModel.load(
            Fixtures.pte("linear_regression"),
            LoadOptions.defaults().withIsolation(Isolation.PROCESS))) {
      String line =
          Files.readAllLines(Path.of("/proc", Integer.toString(model.workerPid()), "limits"))
              .stream()
              .filter(l -> l.startsWith("Max address space"))
              .findFirst()
              .orElseThrow();
      String[] f = line.substring("Max address space".length()).trim().split("\\s+");
      assertEquals("17179869184", f[0], line); // soft
      assertEquals("17179869184", f[1], line); // hard
    }
  }

  // ---- the declared-bytes cap ----

  @Test
  void anInputDeclaredAboveTheDefaultCapIsRefusedBeforeAnyAllocation() throws IOException {
    // float32[1073741824, 4]: 2^32 elements, 16 GiB.
    byte[] hostile = withInputSizes(1 << 30, 4);
    Refusing allocator = new Refusing();
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    ModelSource.bytes(hostile), LoadOptions.defaults().withAllocator(allocator)));
    assertEquals(ErrorCode.OUT_OF_RESOURCES, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains("method 'forward'"), e.getMessage());
    assertTrue(e.getMessage().contains("17179869184 bytes of inputs"), e.getMessage());
    assertTrue(e.getMessage().contains("cap of 4294967296 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("withDeclaredBytesLimit"), e.getMessage());
    assertEquals(0, allocator.requests, "the runtime was asked for memory");
  }

  @Test
  void plannedBuffersDeclaredAboveTheCapAreRefusedBeforeAnyAllocation() throws IOException {
    byte[] hostile = withPlannedBuffer(8 * GIB);
    Refusing allocator = new Refusing();
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    ModelSource.bytes(hostile), LoadOptions.defaults().withAllocator(allocator)));
    assertEquals(ErrorCode.OUT_OF_RESOURCES, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains("8589934592 bytes of planned buffers"), e.getMessage());
    assertEquals(0, allocator.requests, "the runtime was asked for memory");
  }

  @Test
  void theCapIsOverridableAndZeroMeansNone() throws IOException {
    byte[] hostile = withInputSizes(1 << 26, 1); // 256 MiB of float32
    var capped =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    ModelSource.bytes(hostile),
                    LoadOptions.defaults().withDeclaredBytesLimit(64L << 20)));
    assertEquals(ErrorCode.OUT_OF_RESOURCES, capped.errorCode(), capped.getMessage());
    assertTrue(capped.getMessage().contains("268435456 bytes"), capped.getMessage());
    assertTrue(capped.getMessage().contains("cap of 67108864 bytes"), capped.getMessage());
    // Without the cap the runtime itself refuses it: the input does not fit its planned buffer.
    var uncapped =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    ModelSource.bytes(hostile), LoadOptions.defaults().withDeclaredBytesLimit(0)));
    assertNotEquals(ErrorCode.OUT_OF_RESOURCES, uncapped.errorCode(), uncapped.getMessage());
  }

  @Test
  void anIsolatedLoadIsCappedBeforeItsWorkerStarts() throws IOException {
    byte[] hostile = withPlannedBuffer(8 * GIB);
    var e =
        assertThrows(
            ExecuTorchException.class,
            () -> ExecuTorchModel.load(ModelSource.bytes(hostile), IsolationTest.ISOLATED));
    assertEquals(ErrorCode.OUT_OF_RESOURCES, e.errorCode(), e.getMessage());
    assertEquals(0, ProcessHandle.current().children().count(), "a worker was started");
  }

  /**
   * Inspecting reads declarations only: a program declaring a 256 MiB input and 2 GiB of planned
   * buffers is reported as declared, and this process's peak resident memory barely moves.
   */
  @Test
  void inspectAllocatesNothingForWhatAProgramDeclares() throws IOException {
    byte[] hostile = withInputSizes(1 << 26, 1);
    ByteBuffer.wrap(hostile)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(PteFile.plannedBufferSizesPositions(hostile)[1], 2 * GIB);
    Path file = Files.createTempFile("et4j-declares", ".pte");
    try {
      Files.write(file, hostile);
      ExecuTorchRuntime.inspect(Fixtures.pte("mlp_portable")); // natives and code paths loaded
      long before = peakResidentBytes();
      ProgramInfo fromFile = ExecuTorchRuntime.inspect(file);
      ProgramInfo fromBytes = ExecuTorchRuntime.inspect(ModelSource.bytes(hostile));
      long grown = peakResidentBytes() - before;
      for (ProgramInfo info : List.of(fromFile, fromBytes)) {
        MethodMeta m = info.methods().getFirst();
        assertEquals(List.of(2 * GIB), m.plannedBufferSizes()); // entry 0 is not a buffer
        assertEquals(List.of(1L << 26, 1L), box(m.inputs().getFirst().shape()));
      }
      assertTrue(grown < 64L << 20, "peak resident memory grew by " + grown + " bytes");
    } finally {
      Files.delete(file);
    }
  }

  // ---- an isolated worker past its address-space limit ----

  @Test
  void aWorkerPastASmallAddressSpaceLimitFailsTypedAndTheNextLoadWorks() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Boolean.getBoolean("executorch4j.expect.sanitized"), "an ASan worker cannot be limited");
    LoadOptions oneGib =
        LoadOptions.defaults().withIsolation(Isolation.PROCESS).withWorkerLimits(GIB, 0);
    // 2 GiB of planned buffers: under the declared-bytes cap, over the worker's address space.
    byte[] hostile = withPlannedBuffer(2 * GIB);
    var e =
        assertThrows(
            ExecuTorchException.class,
            () -> ExecuTorchModel.load(ModelSource.bytes(hostile), oneGib));
    assertEquals(ErrorCode.MEMORY_ALLOCATION_FAILED, e.errorCode(), e.getMessage());
    Tensor x =
        Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 16);
    try (var isolated = ExecuTorchModel.load(Fixtures.pte("mlp_portable"), oneGib);
        var local = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      assertEquals(
          java.util.Arrays.toString(local.forward(x).get("output_0").toFloatArray()),
          java.util.Arrays.toString(isolated.forward(x).get("output_0").toFloatArray()));
    }
  }

  // ---- helpers ----

  /** mlp_portable with its input's declared sizes rewritten. */
  static byte[] withInputSizes(int... sizes) throws IOException {
    byte[] b = Files.readAllBytes(Fixtures.pte("mlp_portable"));
    int[] pos = PteFile.inputSizesPositions(b, 0);
    assertEquals(sizes.length, pos.length, "mlp_portable's input rank");
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < pos.length; i++) {
      bb.putInt(pos[i], sizes[i]);
    }
    return b;
  }

  /** mlp_portable with its one planned buffer (entry 1; entry 0 is reserved) declared as bytes. */
  static byte[] withPlannedBuffer(long bytes) throws IOException {
    byte[] b = Files.readAllBytes(Fixtures.pte("mlp_portable"));
    int[] pos = PteFile.plannedBufferSizesPositions(b);
    assertEquals(2, pos.length, "mlp_portable's planned buffers");
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos[1], bytes);
    return b;
  }

  private static List<Long> box(long[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }

  private static long peakResidentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new AssertionError("no VmHWM in /proc/self/status");
  }

  /** Counts what the runtime asks for and gives nothing. */
  static final class Refusing implements NativeAllocator {
    int requests;

    @Override
    public synchronized MemorySegment allocate(long size, long alignment) {
      requests++;
      return MemorySegment.NULL;
    }

    @Override
    public void release(MemorySegment block) {}
  }
}
