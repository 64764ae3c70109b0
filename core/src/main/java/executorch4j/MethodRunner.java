package executorch4j;

import java.lang.foreign.Arena;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a model's methods live and run: {@link InProcessRunner} in this process, or
 * {@link WorkerRunner} in an isolated worker process ({@link Isolation#PROCESS}). Owns the
 * {@link Program}, the loaded methods and every native resource they use, in one arena; the
 * model in front of it keeps only what is the same for both (timing, async calls, closing).
 * Not thread-safe: the model serializes calls.
 */
abstract sealed class MethodRunner implements AutoCloseable permits InProcessRunner, WorkerRunner {
  final Arena arena = Arena.ofShared();
  final LoadOptions options;
  private final Map<String, LoadedMethod> methods = new LinkedHashMap<>();

  MethodRunner(LoadOptions options) {
    this.options = options;
  }

  /** Opens {@code source} where {@code options} say it runs. */
  static MethodRunner open(ModelSource source, LoadOptions options) {
    return options.isolation() == Isolation.PROCESS ? WorkerRunner.open(source, options)
        : InProcessRunner.open(source, options);
  }

  abstract Program program();

  /** Loads the method that is number {@code index} in {@code program()}, its declared metadata being {@code declared}. */
  abstract LoadedMethod load(MethodMeta declared, int index, boolean profiling);

  /** Throws unless this runner's methods can carry the per-operator tracer. */
  abstract void requireProfiling();

  abstract MemoryInfo memoryInfo();

  /** Allocations the methods' allocators made so far. */
  abstract long allocationCount();

  /** Loads every method now (again, if loaded before), so a missing kernel or backend fails here, naming it. */
  final void loadMethods(boolean profiling) {
    destroyMethods();
    var declared = program().methods();
    for (int i = 0; i < declared.size(); i++) {
      LoadedMethod m = load(declared.get(i), i, profiling);
      methods.put(m.meta.name(), m);
    }
  }

  /** The loaded method {@code name}, or null. */
  final LoadedMethod method(String name) {
    return methods.get(name);
  }

  final Collection<LoadedMethod> methods() {
    return methods.values();
  }

  final void destroyMethods() {
    methods.values().forEach(LoadedMethod::destroy);
    methods.clear();
  }

  /** Frees the methods, then the program, then everything they used. Called once. */
  @Override
  public abstract void close();
}
