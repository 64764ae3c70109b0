package executorch4j;

import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;

/** Method number {@code index} of an isolated model: run by its worker process, which owns it. */
final class IsolatedMethod extends LoadedMethod {
  private final WorkerProcess worker;
  private final int index;

  IsolatedMethod(MethodMeta meta, WorkerProcess worker, int index, Arena arena, boolean checkFinite) {
    super(meta, arena, checkFinite);
    this.worker = worker;
    this.index = index;
  }

  @Override
  int invoke(Tensor[] inputs) {
    // The worker copies each input into its shared slot during the call; the first four
    // segments are kept alive as arguments, as in process.
    return Et4j.et_worker_forward(worker.handle, index, inputDescs, inputs.length, outputViews, outputView.length,
        elapsed, keep(inputs, 0), keep(inputs, 1), keep(inputs, 2), keep(inputs, 3));
  }

  @Override
  ProfileReport profile() {
    throw WorkerRunner.notInWorker("profiling");
  }

  @Override
  byte[] etdump() {
    throw WorkerRunner.notInWorker("profiling");
  }

  @Override
  void destroy() {
    // The worker frees it when it exits.
  }
}
