package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.ffi.Et4j;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The ExecuTorch runtime this process loaded, shared by every model (also by Godot's {@code
 * ExecuTorchResource}s): its version, backends and operators, and custom operators.
 *
 * <p><b>Custom operators.</b> A program that calls an operator the runtime has no kernel for fails
 * to load with {@link ErrorCode#OPERATOR_MISSING}. Kernels come from Java ({@link #registerKernel})
 * or from a native library written against ExecuTorch's C++ API ({@link #loadOperatorLibrary});
 * either way before the model loads, once per process (ExecuTorch cannot unregister a kernel).
 */
public final class ExecuTorchRuntime {
  private ExecuTorchRuntime() {}

  /**
   * Version text of the facade and the ExecuTorch runtime it links, e.g. {@code
   * "executorch4j-facade 0.1.0 (ExecuTorch 1.5.1)"}; a facade built with AddressSanitizer adds
   * {@code " +asan"}.
   */
  public static String version() {
    Native.init();
    return Native.version();
  }

  /** The facade library this process loaded: a path, so a build or a bug report can name it. */
  public static String nativeLibrary() {
    Native.init();
    return executorch4j.internal.NativeLoader.loadedFrom();
  }

  /** Whether a delegate backend (e.g. {@code "XnnpackBackend"}) is linked into this runtime. */
  public static boolean hasBackend(String id) {
    Native.init();
    return Native.backendAvailable(java.util.Objects.requireNonNull(id, "id"));
  }

  /**
   * Every delegate backend executorch4j knows, whether a program delegated to it can run in this
   * process, and if not why and what to install: XnnpackBackend (linked in), OpenvinoBackend
   * (Linux; available when OpenVINO's {@code libopenvino_c.so} is found, see below), CoreMLBackend
   * and MLXBackend (macOS), then any other backend registered in the runtime. Nothing is loaded to
   * answer: OpenVINO's backend is loaded when a program delegated to it first loads.
   *
   * <p>OpenVINO's runtime is looked for at the system property {@code executorch4j.openvino.lib}
   * (the file or its folder), then {@code OPENVINO_LIB_PATH} (the file), then the folders of {@code
   * LD_LIBRARY_PATH} and {@code java.library.path}, then a pip-installed {@code openvino} in the
   * site-packages of {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, {@code ~/.local}, {@code
   * /usr/local} and {@code /usr}. A program delegated to an unavailable backend fails to load with
   * {@link ErrorCode#BACKEND_UNAVAILABLE}, its message naming the backend and the fix.
   */
  public static List<Backend> backends() {
    return Backends.list();
  }

  /** As {@link #backends()}, for one backend id; an unknown id is reported unavailable. */
  public static Backend backend(String id) {
    return Backends.describe(Objects.requireNonNull(id, "id"));
  }

  /**
   * Native heap bytes the facade holds right now for all models of this process (allocator blocks,
   * copied programs; not STATIC pools, which are Java arena memory): 0 once every model is closed.
   */
  public static long nativeBytesInUse() {
    Native.init();
    return Et4j.et_runtime_live_bytes();
  }

  // ------------------------------------------------------------- operators

  /**
   * Registers a Java kernel for {@code operator} ({@code namespace::op.overload}, usually the
   * {@code .out} variant the program names, e.g. {@code executorch4j_test::mul3.out}), for every
   * dtype. Models loaded afterwards (in this process) use it; see {@link OperatorKernel} for what a
   * kernel may assume. Up to 64 Java kernels per process.
   *
   * @throws IllegalArgumentException if the name is not of that form
   * @throws ExecuTorchException {@link ErrorCode#REGISTRATION_ALREADY_REGISTERED} if the runtime
   *     already has a kernel of that name (registered before, linked in, or from a library); {@link
   *     ErrorCode#REGISTRATION_EXCEEDING_MAX_KERNELS} when no slot is left
   */
  public static void registerKernel(String operator, OperatorKernel kernel) {
    KernelRegistry.register(operator, kernel);
  }

  /**
   * Loads a shared library of kernels written in C++ against ExecuTorch 1.5.1's API (its static
   * registrars run on load), binding it to this process's runtime. Never unloaded.
   *
   * @return the number of kernels it registered (0 if it was loaded before)
   * @throws ExecuTorchException {@link ErrorCode#FILE_NOT_FOUND}, or {@link
   *     ErrorCode#LIBRARY_LOAD_FAILED} with the loader's reason (a missing symbol, a wrong
   *     architecture). Caution: ExecuTorch aborts the process when a library registers an operator
   *     name that already has a kernel (see KNOWN_ISSUES.md).
   */
  public static int loadOperatorLibrary(Path library) {
    Objects.requireNonNull(library, "library");
    return RuntimeLibraries.loadLibrary(library);
  }

  /**
   * Names of the operators the runtime has a kernel for, in registration order, each once (as
   * ExecuTorch Android's {@code getRegisteredOps}).
   */
  public static List<String> registeredOperators() {
    return RuntimeLibraries.operatorNames();
  }

  /**
   * Ids of the delegate backends registered in the runtime (as ExecuTorch Android's {@code
   * getRegisteredBackends}).
   */
  public static List<String> registeredBackends() {
    return RuntimeLibraries.backendNames();
  }

  /**
   * What the program at {@code path} declares (methods, inputs, outputs, backends, segments), read
   * from the program only: no method is loaded, so this works for any dtype and for a program whose
   * methods cannot load here (a backend or operator this runtime lacks).
   */
  public static ProgramInfo inspect(Path path) {
    Objects.requireNonNull(path, "path");
    if (!Files.isRegularFile(path)) {
      throw new ExecuTorchException(ErrorCode.FILE_NOT_FOUND, "no such file: " + path);
    }
    return inspect(ModelSource.file(path));
  }

  /** As {@link #inspect(Path)}, for a program from any {@link ModelSource}. */
  public static ProgramInfo inspect(ModelSource source) {
    Objects.requireNonNull(source, "source");
    Native.init();
    try (Program program = ProgramLoader.loadForMetadata(source)) {
      return program.info();
    }
  }

  /**
   * The operators each method of the program at {@code path} calls, and which have no kernel now.
   * Reads the program only (no method is loaded), so it works for a program that cannot load for
   * want of a kernel.
   */
  public static List<MethodOperators> operators(Path path) {
    Objects.requireNonNull(path, "path");
    if (!Files.isRegularFile(path)) {
      throw new ExecuTorchException(ErrorCode.FILE_NOT_FOUND, "no such file: " + path);
    }
    return operators(ModelSource.file(path));
  }

  /** As {@link #operators(Path)}, for a program from any {@link ModelSource}. */
  public static List<MethodOperators> operators(ModelSource source) {
    Objects.requireNonNull(source, "source");
    Native.init();
    try (Program program = ProgramLoader.loadForMetadata(source)) {
      return program.operators();
    }
  }
}
