package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Where memory comes from under AUTO, STATIC and CUSTOM, proven by counting it. */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class MemoryPolicyTest {

  /** A CUSTOM allocator that counts what the runtime asks of it. */
  static final class CountingAllocator implements NativeAllocator {
    final Map<MemorySegment, Arena> live = new IdentityHashMap<>();
    final Map<MemorySegment, Long> sizes = new IdentityHashMap<>();
    long allocations;
    long releases;
    long bytes;
    long maxBlock;
    long outstandingBytes;

    @Override
    public synchronized MemorySegment allocate(long size, long alignment) {
      Arena a = Arena.ofConfined();
      MemorySegment block = a.allocate(Math.max(1, size), alignment);
      live.put(block, a);
      sizes.put(block, size);
      allocations++;
      bytes += size;
      outstandingBytes += size;
      maxBlock = Math.max(maxBlock, size);
      return block;
    }

    @Override
    public synchronized void release(MemorySegment block) {
      Arena a = live.remove(block);
      if (a == null) {
        throw new IllegalStateException("released a block this allocator does not own");
      }
      releases++;
      outstandingBytes -= sizes.remove(block);
      a.close();
    }
  }

  static Stream<String> fixtures() {
    return Fixtures.names();
  }

  static Tensor[] goldenInputs(String name) {
    var golden = Fixtures.golden(name);
    return golden.methods().get(firstMethod(name)).cases().getFirst().inputs().stream()
        .map(Fixtures.Value::toTensor)
        .toArray(Tensor[]::new);
  }

  static String firstMethod(String name) {
    var golden = Fixtures.golden(name);
    return golden.methods().containsKey("forward")
        ? "forward"
        : golden.methods().keySet().iterator().next();
  }

  /**
   * Runs every golden case of every method and checks it against PyTorch eager; returns the count.
   */
  static int assertGoldens(ExecuTorchModel model, String name, String policy) {
    Fixtures.Golden golden = Fixtures.golden(name);
    int checked = 0;
    for (var method : golden.methods().entrySet()) {
      for (Fixtures.Case kase : method.getValue().cases()) {
        Tensor[] in = kase.inputs().stream().map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
        Map<String, Tensor> out = model.execute(method.getKey(), in);
        assertEquals(kase.outputs().size(), out.size());
        for (int o = 0; o < kase.outputs().size(); o++) {
          Fixtures.assertMatches(
              kase.outputs().get(o),
              out.get("output_" + o),
              golden.tolerance(),
              name + "." + method.getKey() + " under " + policy + " output_" + o);
        }
        checked++;
      }
    }
    return checked;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void everyPolicyReproducesThePyTorchGoldens(String name) {
    var path = Fixtures.pte(name);
    int cases = GoldenFixturesTest.EXPECTED_CASES.get(name);
    try (var model = ExecuTorchModel.load(path)) {
      assertEquals(MemoryPolicy.AUTO, model.memoryInfo().policy());
      assertEquals(cases, assertGoldens(model, name, "AUTO"));
    }
    long required = ExecuTorchModel.requiredPoolBytes(path);
    try (var model =
        ExecuTorchModel.load(
            path, LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, required))) {
      assertEquals(MemoryPolicy.STATIC, model.memoryInfo().policy());
      assertEquals(cases, assertGoldens(model, name, "STATIC"));
    }
    var counting = new CountingAllocator();
    try (var model = ExecuTorchModel.load(path, LoadOptions.defaults().withAllocator(counting))) {
      assertEquals(MemoryPolicy.CUSTOM, model.memoryInfo().policy());
      assertEquals(cases, assertGoldens(model, name, "CUSTOM"));
      assertTrue(counting.allocations > 0, "CUSTOM memory came from the allocator");
    }
    assertEquals(counting.allocations, counting.releases, "every custom block was given back");
    assertEquals(0, counting.outstandingBytes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void customAllocatorSeesEveryPlannedByte(String name) {
    var counting = new CountingAllocator();
    try (var model =
        ExecuTorchModel.load(Fixtures.pte(name), LoadOptions.defaults().withAllocator(counting))) {
      long planned =
          model.methodNames().stream().mapToLong(m -> model.methodMeta(m).plannedBytes()).sum();
      MemoryInfo info = model.memoryInfo();
      assertEquals(planned, info.plannedBytesTotal(), "memory info agrees with the metadata");
      // Planned buffers, method structures and temp memory all went through the allocator.
      assertTrue(
          counting.bytes >= planned + info.methodAllocatorBytes(),
          counting.bytes
              + " bytes seen, planned "
              + planned
              + " + method "
              + info.methodAllocatorBytes());
      for (long size : model.methodMeta(model.methodNames().getFirst()).plannedBufferSizes()) {
        assertTrue(
            counting.maxBlock >= size, "a block of each planned buffer's size was requested");
      }
      assertTrue(info.liveAllocations() > 0);
      assertEquals(counting.outstandingBytes > 0, true);
    }
    assertEquals(0, counting.outstandingBytes, "close gave everything back");
  }

  @Test
  void autoTouchesNeitherPoolNorAllocator() {
    try (var model = ExecuTorchModel.load(Fixtures.pte("mlp_portable"))) {
      MemoryInfo info = model.memoryInfo();
      assertEquals(MemoryPolicy.AUTO, info.policy());
      assertEquals(0, info.poolSize());
      assertEquals(0, info.poolPeak());
      assertEquals(model.methodMeta("forward").plannedBytes(), info.plannedBytesTotal());
      assertTrue(info.methodAllocatorBytes() > 0);
    }
  }

  @Test
  void staticPoolUsageMatchesWhatTheRuntimeTook() {
    var path = Fixtures.pte("cnn_portable");
    long required = ExecuTorchModel.requiredPoolBytes(path);
    try (var model =
        ExecuTorchModel.load(
            path, LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, 4 * required))) {
      MemoryInfo before = model.memoryInfo();
      assertEquals(MemoryPolicy.STATIC, before.policy());
      assertEquals(4 * required, before.poolSize());
      // Long-lived memory is planned buffers plus method structures (plus alignment padding).
      long longLived = before.plannedBytesTotal() + before.methodAllocatorBytes();
      assertTrue(
          before.poolUsed() >= longLived && before.poolUsed() <= longLived + 64 * 64,
          "pool used " + before.poolUsed() + " vs " + longLived);
      assertTrue(before.poolPeak() <= required, "the peak fits the required size");
      for (int i = 0; i < 5; i++) {
        model.forward(Map.of("input_0", new float[3 * 32 * 32]));
      }
      MemoryInfo after = model.memoryInfo();
      assertEquals(before.poolUsed(), after.poolUsed(), "forward allocates nothing that stays");
      assertEquals(
          before.poolPeak(), after.poolPeak(), "forward's temp memory fits the measured peak");
      assertEquals(0, after.liveAllocations() - before.liveAllocations());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void requiredPoolBytesIsEnoughAnd256BytesLessIsNot(String name) {
    var path = Fixtures.pte(name);
    long required = ExecuTorchModel.requiredPoolBytes(path);
    assertTrue(required > 0);
    // Exactly the reported size loads and reproduces the goldens.
    try (var model =
        ExecuTorchModel.load(
            path, LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, required))) {
      assertEquals(
          GoldenFixturesTest.EXPECTED_CASES.get(name), assertGoldens(model, name, "STATIC exact"));
    }
    // 256 bytes fewer (the pool's granularity) is refused, at load or at the first execute,
    // with a message that names the bytes needed.
    ExecuTorchException e =
        assertThrows(
            ExecuTorchException.class,
            () -> {
              try (var model =
                  ExecuTorchModel.load(
                      path,
                      LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, required - 256))) {
                assertGoldens(model, name, "STATIC short");
              }
            });
    assertEquals(ErrorCode.MEMORY_ALLOCATION_FAILED, e.errorCode(), e.getMessage());
    assertTrue(
        e.getMessage().contains("STATIC pool too small")
            && e.getMessage().contains("requiredPoolBytes"),
        e.getMessage());
    assertTrue(
        e.getMessage().matches("(?s).*needs (at least )?\\d+ (more )?bytes.*"), e.getMessage());
    // Far too small fails the same way.
    var half =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    path, LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, required / 2)));
    assertEquals(ErrorCode.MEMORY_ALLOCATION_FAILED, half.errorCode(), half.getMessage());
  }

  @Test
  void anAllocatorThatThrowsGivesACleanException() {
    NativeAllocator throwing =
        new NativeAllocator() {
          @Override
          public MemorySegment allocate(long size, long alignment) {
            throw new IllegalStateException("out of budget");
          }

          @Override
          public void release(MemorySegment block) {}
        };
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    Fixtures.pte("mlp_portable"), LoadOptions.defaults().withAllocator(throwing)));
    assertEquals(ErrorCode.MEMORY_ALLOCATION_FAILED, e.errorCode(), e.getMessage());
    assertEquals("out of budget", e.getCause().getMessage());
  }

  @Test
  void anAllocatorReturningNullOrMisalignedMemoryGivesACleanException() {
    var counting = new CountingAllocator();
    NativeAllocator nulls =
        new NativeAllocator() {
          @Override
          public MemorySegment allocate(long size, long alignment) {
            return null;
          }

          @Override
          public void release(MemorySegment block) {}
        };
    NativeAllocator misaligned =
        new NativeAllocator() {
          @Override
          public MemorySegment allocate(long size, long alignment) {
            return counting.allocate(size + 64, 64).asSlice(1, size); // off by one byte
          }

          @Override
          public void release(MemorySegment block) {}
        };
    for (NativeAllocator bad : new NativeAllocator[] {nulls, misaligned}) {
      var e =
          assertThrows(
              ExecuTorchException.class,
              () ->
                  ExecuTorchModel.load(
                      Fixtures.pte("linear_regression"),
                      LoadOptions.defaults().withAllocator(bad)));
      assertTrue(
          e.errorCode() == ErrorCode.MEMORY_ALLOCATION_FAILED
              || e.errorCode() == ErrorCode.CALLBACK_FAILED,
          e.getMessage());
    }
    // Other models are unaffected.
    try (var model = ExecuTorchModel.load(Fixtures.pte("linear_regression"))) {
      assertEquals(
          7f,
          model.forward(Map.of("input_0", new float[] {2})).get("output_0").toFloatArray()[0],
          1e-6);
    }
  }

  @Test
  void profilingReloadKeepsThePolicy() {
    var path = Fixtures.pte("mlp_portable");
    long required = ExecuTorchModel.requiredPoolBytes(path);
    try (var model =
        ExecuTorchModel.load(
            path, LoadOptions.defaults().withMemory(MemoryPolicy.STATIC, 2 * required))) {
      long used = model.memoryInfo().poolUsed();
      model.enableProfiling(true);
      model.enableProfiling(false);
      assertEquals(
          used, model.memoryInfo().poolUsed(), "reloading methods reuses the pool from the start");
      assertFalse(model.isProfiling());
    }
  }
}
