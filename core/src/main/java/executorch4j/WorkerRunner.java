package executorch4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Methods loaded and run by a worker process ({@link Isolation#PROCESS}). The program is read
 * here too, for its metadata only (verified; no method is loaded, no kernel runs in this
 * process); the worker loads and runs it. Output views read the memory shared with the worker.
 */
final class WorkerRunner extends MethodRunner {
  private final Program program;
  private final WorkerProcess worker;

  private WorkerRunner(ModelSource source, LoadOptions options) {
    super(options);
    Program loaded = null;
    WorkerProcess proc = null;
    // The bytes (a file is mapped) are needed only while both sides load: each copies them.
    try (Arena read = Arena.ofConfined()) {
      MemorySegment bytes = WorkerProcess.programBytes(source, read);
      loaded = Program.load(ModelSource.memory(bytes), options);
      proc = WorkerProcess.start(options, false);
      proc.load(bytes, options);
    } catch (RuntimeException | Error e) {
      free(loaded, proc); // the metadata a malformed program fails on comes first, as in process
      throw e;
    }
    this.program = loaded;
    this.worker = proc;
  }

  static WorkerRunner open(ModelSource source, LoadOptions options) {
    requireIsolatable(options);
    return new WorkerRunner(source, options);
  }

  private static void requireIsolatable(LoadOptions options) {
    if (options.memoryPolicy() != MemoryPolicy.AUTO) {
      throw new ExecuTorchException(ErrorCode.NOT_SUPPORTED, "an isolated model uses AUTO memory ("
          + options.memoryPolicy() + " memory cannot be shared with its worker)");
    }
    if (options.profiling()) {
      throw notInWorker("profiling");
    }
  }

  /** What an isolated model cannot do: its runtime state is in another process. */
  static ExecuTorchException notInWorker(String what) {
    return new ExecuTorchException(ErrorCode.NOT_SUPPORTED, what + " is not available for an isolated model");
  }

  @Override
  Program program() {
    return program;
  }

  @Override
  IsolatedMethod load(MethodMeta declared, int index, boolean profiling) {
    return new IsolatedMethod(worker.withDynamicDims(declared, index), worker, index, arena, options.finiteCheck());
  }

  @Override
  void requireProfiling() {
    throw notInWorker("profiling");
  }

  @Override
  MemoryInfo memoryInfo() {
    throw notInWorker("memoryInfo (the method memory is in the worker process)");
  }

  @Override
  long allocationCount() {
    throw notInWorker("allocationCount");
  }

  @Override
  public void close() {
    destroyMethods();
    free(program, worker);
  }

  /** The arena before the worker: output views read the worker's shared memory until the arena closes. */
  private void free(Program program, WorkerProcess process) {
    if (program != null) {
      program.close();
    }
    arena.close();
    if (process != null) {
      process.close();
    }
  }
}
