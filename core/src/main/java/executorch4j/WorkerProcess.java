package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_method_config;
import executorch4j.internal.ffi.et_worker_config;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker process of an isolated model ({@link Isolation#PROCESS}): one {@code et_worker}
 * handle, owned here and destroyed by {@link #close()} (the worker is asked to exit, or killed).
 * Calls go through {@code et_worker_forward}: the caller writes the inputs into their slots in the
 * memory shared with the worker ({@link #inputSlots}); the outputs come back copied out of it into
 * buffers of the handle's own, which live until the next call or {@link #close()}.
 */
final class WorkerProcess implements AutoCloseable {
  /** Overrides where the worker executable is found (default: beside the loaded libet4j). */
  static final String WORKER_PROPERTY = "executorch4j.worker";

  static final String WORKER_NAME = "et4j-worker";

  final MemorySegment handle;
  private boolean closed;

  private WorkerProcess(MemorySegment handle) {
    this.handle = handle;
  }

  /** Starts a worker with the options' deadline, limits and sandbox. */
  static WorkerProcess start(LoadOptions options, boolean debugHooks) {
    Path exe = executable();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment cfg = et_worker_config.allocate(tmp);
      et_worker_config.call_timeout_ms(
          cfg, options.callTimeout().map(d -> Math.max(1, d.toMillis())).orElse(0L));
      et_worker_config.memory_limit_bytes(cfg, options.memoryLimitBytes());
      et_worker_config.cpu_limit_seconds(cfg, options.cpuLimitSeconds());
      et_worker_config.sandbox(cfg, options.sandbox() ? 1 : 0);
      et_worker_config.debug_hooks(cfg, debugHooks ? 1 : 0);
      MemorySegment out = tmp.allocate(ValueLayout.ADDRESS);
      check(Et4j.et_worker_start(tmp.allocateFrom(exe.toString()), cfg, out));
      return new WorkerProcess(out.get(ValueLayout.ADDRESS, 0));
    }
  }

  /**
   * Loads {@code program} (native memory, copied into the worker) and every method; returns the
   * method count.
   */
  long load(MemorySegment program, LoadOptions options) {
    OptimizationLevel level = options.optimization();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment cfg = Et4j.et_method_config_default(tmp);
      et_method_config.threads(cfg, options.effectiveThreads());
      et_method_config.xnnpack_weight_cache(cfg, level.xnnpackWeightCache() ? 1 : 0);
      et_method_config.xnnpack_workspace_sharing(cfg, level.xnnpackWorkspaceSharing());
      et_method_config.warmup_runs(cfg, level.warmupRuns());
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      int verify =
          options.verify() ? Et4j.ET_VERIFY_INTERNAL_CONSISTENCY() : Et4j.ET_VERIFY_MINIMAL();
      check(Et4j.et_worker_load(handle, program, program.byteSize(), verify, cfg, count));
      return count.get(ValueLayout.JAVA_LONG, 0);
    }
  }

  /** The declared metadata with the dynamic dimensions the worker probed at load. */
  MethodMeta withDynamicDims(MethodMeta meta, int methodIndex) {
    List<TensorMeta> inputs = new ArrayList<>();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment mask = tmp.allocate(Et4j.ET_MAX_RANK());
      for (int i = 0; i < meta.inputs().size(); i++) {
        TensorMeta t = meta.inputs().get(i);
        check(Et4j.et_worker_input_dynamic_dims(handle, methodIndex, i, mask));
        inputs.add(ProgramMetadata.withDynamicMask(t, mask));
      }
    }
    return new MethodMeta(
        meta.name(), inputs, meta.outputs(), meta.plannedBufferSizes(), meta.backends());
  }

  /**
   * The shared slot of every input of method {@code methodIndex}, sized to its capacity and valid
   * while {@code arena} is open (the model closes it before the worker).
   */
  MemorySegment[] inputSlots(int methodIndex, MethodMeta meta, Arena arena) {
    MemorySegment[] slots = new MemorySegment[meta.inputs().size()];
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment data = tmp.allocate(ValueLayout.ADDRESS);
      MemorySegment capacity = tmp.allocate(ValueLayout.JAVA_LONG);
      for (int i = 0; i < slots.length; i++) {
        check(Et4j.et_worker_input_slot(handle, methodIndex, i, data, capacity));
        slots[i] =
            data.get(ValueLayout.ADDRESS, 0)
                .reinterpret(capacity.get(ValueLayout.JAVA_LONG, 0), arena, null);
      }
    }
    return slots;
  }

  /** The worker's process id, 0 once it is gone. */
  int pid() {
    return Et4j.et_worker_pid(handle);
  }

  /** Tests: the worker tries {@code probe} (see et4j.h) and returns the errno it saw. */
  int debugProbe(int probe) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment err = tmp.allocate(ValueLayout.JAVA_INT);
      check(Et4j.et_worker_debug_probe(handle, probe, err));
      return err.get(ValueLayout.JAVA_INT, 0);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Et4j.et_worker_destroy(handle);
    }
  }

  /** The worker executable: the system property, else beside the loaded native library. */
  static Path executable() {
    String override = System.getProperty(WORKER_PROPERTY);
    Path exe;
    if (override != null) {
      exe = Path.of(override);
    } else {
      String lib = ExecuTorchRuntime.nativeLibrary();
      exe = Path.of(lib).resolveSibling(WORKER_NAME);
    }
    if (!Files.isRegularFile(exe)) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          "isolated execution needs the "
              + WORKER_NAME
              + " executable beside the native library (Linux builds ship it); not found at "
              + exe
              + " (or set -D"
              + WORKER_PROPERTY
              + ")");
    }
    if (!Files.isExecutable(exe) && !exe.toFile().setExecutable(true, true)) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED, exe + " is not executable and cannot be made so");
    }
    return exe;
  }

  /** The program's bytes in native memory, for the worker: a file is mapped, other sources read. */
  static MemorySegment programBytes(ModelSource source, Arena arena) {
    try {
      return switch (source) {
        case ModelSource.File f -> {
          if (!Files.isRegularFile(f.path())) {
            throw new ExecuTorchException(ErrorCode.FILE_NOT_FOUND, "no such file: " + f.path());
          }
          try (var ch = java.nio.channels.FileChannel.open(f.path())) {
            yield ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
          }
        }
        case ModelSource.Bytes b -> copy(MemorySegment.ofArray(b.bytes()), arena);
        case ModelSource.Memory m -> m.data().isNative() ? m.data() : copy(m.data(), arena);
        case ModelSource.Stream s -> copy(MemorySegment.ofArray(s.in().readAllBytes()), arena);
        case ModelSource.Channel c -> {
          var ch = c.channel();
          long size = ch.size();
          MemorySegment seg = arena.allocate(Math.max(1, size)).asSlice(0, size);
          var buf = seg.asByteBuffer();
          ch.position(0);
          while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
              throw new ExecuTorchException(ErrorCode.IO_ERROR, "the model channel ended early");
            }
          }
          yield seg;
        }
      };
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read the model: " + e.getMessage(), e);
    }
  }

  private static MemorySegment copy(MemorySegment heap, Arena arena) {
    return arena.allocate(Math.max(1, heap.byteSize())).asSlice(0, heap.byteSize()).copyFrom(heap);
  }
}
