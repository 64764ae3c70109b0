package executorch4j;

import executorch4j.internal.Native;
import executorch4j.internal.NativeLoader;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The delegate backends executorch4j knows: whether each can run here, and loading the optional
 * ones (OpenVINO) when a program first needs them, so a process that never does pays nothing.
 *
 * <p>OpenVINO's runtime ({@code libopenvino_c.so}) is looked for in this order, the first that is
 * set or found wins:
 *
 * <ol>
 *   <li>the system property {@value #OPENVINO_LIB_PROPERTY}: the library file, or a folder holding
 *       it (strict: when set, nothing else is tried);
 *   <li>the environment variable {@code OPENVINO_LIB_PATH}: the library file, as ExecuTorch's
 *       backend reads it (strict too);
 *   <li>the folders of {@code LD_LIBRARY_PATH}, then of {@code java.library.path};
 *   <li>a pip-installed {@code openvino} package ({@code openvino/libs/}) in the site-packages of
 *       {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, {@code ~/.local}, {@code /usr/local} and
 *       {@code /usr} ({@code lib/python3.*}/site-packages or dist-packages), and {@code
 *       /usr/lib/python3/dist-packages}.
 * </ol>
 *
 * A file named {@code libopenvino_c.so} or {@code libopenvino_c.so.<version>} counts: pip's wheel
 * ships only the versioned name (e.g. {@code libopenvino_c.so.2641}), which the backend's own
 * {@code dlopen("libopenvino_c.so")} would never find. Whatever is found is handed to the backend
 * through {@code OPENVINO_LIB_PATH} (set in this process's environment before the backend first
 * looks, which it does once per process).
 */
final class Backends {
  static final String XNNPACK = "XnnpackBackend";
  static final String OPENVINO = "OpenvinoBackend";
  static final String COREML = "CoreMLBackend";
  static final String MLX = "MLXBackend";

  /** The OpenVINO release the shipped fixture was exported with and runs on. */
  static final String OPENVINO_VERSION = "2026.4.1";

  static final String OPENVINO_LIB_PROPERTY = "executorch4j.openvino.lib";
  static final String OPENVINO_SHIPPED = "libexecutorch_backend_openvino.so";
  static final String OPENVINO_FIX =
      "pip install openvino=="
          + OPENVINO_VERSION
          + " or set OPENVINO_LIB_PATH to its libopenvino_c.so (or -D"
          + OPENVINO_LIB_PROPERTY
          + "=<file or folder>)";

  /** Where the OpenVINO runtime came from once the backend is loaded (the backend keeps it). */
  private static String openvinoLoadedFrom;

  private Backends() {}

  /** Every backend executorch4j knows, then any other the runtime has registered. */
  static synchronized List<Backend> list() {
    Native.init();
    List<Backend> out = new ArrayList<>();
    for (String name : List.of(XNNPACK, OPENVINO, COREML, MLX)) {
      out.add(describe(name));
    }
    for (String other : RuntimeLibraries.backendNames()) {
      if (out.stream().noneMatch(b -> b.name().equals(other))) {
        out.add(new Backend(other, true, "registered in the runtime", ""));
      }
    }
    return List.copyOf(out);
  }

  /** What this process can do with backend {@code name}; unknown names say so. */
  static synchronized Backend describe(String name) {
    Native.init();
    return switch (name) {
      case OPENVINO -> openvino();
      case COREML, MLX -> apple(name);
      default ->
          Native.backendAvailable(name)
              ? new Backend(
                  name,
                  true,
                  name.equals(XNNPACK) ? "linked into the runtime" : "registered in the runtime",
                  "")
              : new Backend(
                  name,
                  false,
                  "not a backend executorch4j knows, and not registered in this runtime",
                  "load a native library that registers it"
                      + " (ExecuTorchRuntime.loadOperatorLibrary) before the model");
    };
  }

  /**
   * Makes the backends a method is delegated to ready before it loads: loads OpenVINO's backend on
   * first need, or fails naming what is missing and how to get it. Backends executorch4j does not
   * know are left to the runtime (which names them when it fails).
   *
   * @throws ExecuTorchException {@link ErrorCode#BACKEND_UNAVAILABLE}
   */
  static synchronized void prepare(String method, Collection<String> needed) {
    for (String name : needed) {
      if (!name.equals(OPENVINO) && !name.equals(COREML) && !name.equals(MLX)) {
        continue;
      }
      if (Native.backendAvailable(name)) {
        continue; // registered: by us earlier, or by the application's own library
      }
      Backend b = describe(name);
      if (!b.available()) {
        throw unavailable(method, b);
      }
      if (name.equals(OPENVINO)) {
        loadOpenvino(b);
      }
    }
  }

  /**
   * The isolated worker ({@link Isolation#PROCESS}) has only the linked backends: a method
   * delegated to one loaded on demand fails there, named, before the worker is asked.
   */
  static void refuseInWorker(MethodMeta declared) {
    for (String name : declared.backends()) {
      if (name.equals(OPENVINO) || name.equals(COREML) || name.equals(MLX)) {
        throw new ExecuTorchException(
            ErrorCode.BACKEND_UNAVAILABLE,
            "method '"
                + declared.name()
                + "' is delegated to backend "
                + name
                + ", which isolated workers (Isolation.PROCESS) do not load; load it in process");
      }
    }
  }

  /** The message for a method delegated to an unavailable backend. */
  static ExecuTorchException unavailable(String method, Backend b) {
    return new ExecuTorchException(
        ErrorCode.BACKEND_UNAVAILABLE,
        "method '"
            + method
            + "' is delegated to backend "
            + b.name()
            + ", which is unavailable here: "
            + b.detail()
            + (b.fix().isEmpty() ? "" : "; " + b.fix()));
  }

  /**
   * A method delegated to OpenVINO failed to load although its runtime was found: the backend could
   * not open it or it reports no device. Says so instead of the runtime's "does not include".
   */
  static synchronized ExecuTorchException openvinoRefused(String method, ExecuTorchException e) {
    return new ExecuTorchException(
        ErrorCode.BACKEND_UNAVAILABLE,
        "method '"
            + method
            + "' is delegated to backend "
            + OPENVINO
            + ", which reports itself unavailable with the OpenVINO runtime "
            + (openvinoLoadedFrom == null ? "found" : openvinoLoadedFrom)
            + " (it failed to load, or has no device): "
            + e.getMessage()
            + "; "
            + OPENVINO_FIX,
        e);
  }

  static synchronized boolean openvinoLoaded() {
    return openvinoLoadedFrom != null;
  }

  // ------------------------------------------------------------------ OpenVINO

  private static Backend openvino() {
    if (!isLinux()) {
      return new Backend(
          OPENVINO,
          false,
          "ExecuTorch's OpenVINO backend is built for Linux only",
          "use Linux x86_64 or aarch64");
    }
    if (openvinoLoadedFrom != null) {
      return new Backend(OPENVINO, true, "loaded, OpenVINO runtime " + openvinoLoadedFrom, "");
    }
    if (Native.backendAvailable(OPENVINO)) {
      return new Backend(OPENVINO, true, "registered in the runtime (by the application)", "");
    }
    Path shipped = shippedOpenvinoBackend();
    if (shipped == null) {
      return new Backend(
          OPENVINO,
          false,
          OPENVINO_SHIPPED + " is not beside the facade (" + NativeLoader.loadedFrom() + ")",
          "use the executorch4j jar, whose Linux natives include it");
    }
    Located runtime = locateOpenvino();
    if (runtime.file == null) {
      return new Backend(OPENVINO, false, runtime.how, OPENVINO_FIX);
    }
    return new Backend(
        OPENVINO,
        true,
        "OpenVINO runtime " + runtime.file + " (" + runtime.how + "), loaded on first use",
        "");
  }

  private static void loadOpenvino(Backend b) {
    Located runtime = locateOpenvino();
    // The backend reads OPENVINO_LIB_PATH once, on its first use: point it at what was found.
    if (!"OPENVINO_LIB_PATH".equals(runtime.how)) {
      setenv("OPENVINO_LIB_PATH", runtime.file.toString());
    }
    RuntimeLibraries.loadLibrary(shippedOpenvinoBackend());
    openvinoLoadedFrom = runtime.file.toString();
  }

  /** The shipped backend library beside the loaded facade, or null. */
  private static Path shippedOpenvinoBackend() {
    String facade = NativeLoader.loadedFrom();
    if (facade.isEmpty() || !facade.startsWith("/")) {
      return null; // loaded from java.library.path: no folder of ours
    }
    Path p = Path.of(facade).resolveSibling(OPENVINO_SHIPPED);
    return Files.isRegularFile(p) ? p : null;
  }

  /** A found libopenvino_c.so and how it was found, or (file null) why none was. */
  record Located(Path file, String how) {}

  static Located locateOpenvino() {
    String prop = System.getProperty(OPENVINO_LIB_PROPERTY);
    if (prop != null && !prop.isBlank()) {
      Path p = Path.of(prop).toAbsolutePath();
      Path f = Files.isDirectory(p) ? findIn(p) : Files.isRegularFile(p) ? p : null;
      return f != null
          ? new Located(f, "-D" + OPENVINO_LIB_PROPERTY)
          : new Located(
              null, "-D" + OPENVINO_LIB_PROPERTY + "=" + prop + ": no libopenvino_c.so there");
    }
    String env = System.getenv("OPENVINO_LIB_PATH");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isRegularFile(p)
          ? new Located(p.toAbsolutePath(), "OPENVINO_LIB_PATH")
          : new Located(
              null,
              "OPENVINO_LIB_PATH=" + env + " is not a file (it names libopenvino_c.so itself)");
    }
    Set<String> dirs = new LinkedHashSet<>();
    for (String var :
        new String[] {System.getenv("LD_LIBRARY_PATH"), System.getProperty("java.library.path")}) {
      if (var != null) {
        dirs.addAll(List.of(var.split(File.pathSeparator)));
      }
    }
    for (String d : dirs) {
      if (!d.isBlank()) {
        Path f = findIn(Path.of(d));
        if (f != null) {
          return new Located(f.toAbsolutePath(), "library path");
        }
      }
    }
    for (Path sp : sitePackages()) {
      Path f = findIn(sp.resolve("openvino").resolve("libs"));
      if (f != null) {
        return new Located(f, "pip package openvino in " + sp);
      }
    }
    return new Located(
        null,
        "libopenvino_c.so not found (looked at -D"
            + OPENVINO_LIB_PROPERTY
            + ", OPENVINO_LIB_PATH, LD_LIBRARY_PATH, java.library.path, and pip's site-packages of"
            + " $VIRTUAL_ENV, $CONDA_PREFIX, ~/.local, /usr/local, /usr)");
  }

  /** libopenvino_c.so in {@code dir}, else its versioned name (pip ships only that), or null. */
  static Path findIn(Path dir) {
    Path plain = dir.resolve("libopenvino_c.so");
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().matches("libopenvino_c\\.so\\.[0-9.]+"))
          .filter(Files::isRegularFile)
          .sorted()
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** site-packages / dist-packages folders where pip may have put openvino, in search order. */
  static List<Path> sitePackages() {
    List<Path> prefixes = new ArrayList<>();
    for (String var : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
      String v = System.getenv(var);
      if (v != null && !v.isBlank()) {
        prefixes.add(Path.of(v));
      }
    }
    prefixes.add(Path.of(System.getProperty("user.home"), ".local"));
    prefixes.add(Path.of("/usr/local"));
    prefixes.add(Path.of("/usr"));
    List<Path> out = new ArrayList<>();
    for (Path prefix : prefixes) {
      Path lib = prefix.resolve("lib");
      if (!Files.isDirectory(lib)) {
        continue;
      }
      try (Stream<Path> pythons = Files.list(lib)) {
        for (Path py :
            pythons
                .filter(p -> p.getFileName().toString().matches("python3(\\.[0-9]+)?"))
                .sorted()
                .toList()) {
          for (String kind : new String[] {"site-packages", "dist-packages"}) {
            if (Files.isDirectory(py.resolve(kind))) {
              out.add(py.resolve(kind));
            }
          }
        }
      } catch (IOException e) {
        // an unreadable prefix has no packages we can use
      }
    }
    return out;
  }

  private static void setenv(String name, String value) {
    Linker linker = Linker.nativeLinker();
    MethodHandle setenv =
        linker.downcallHandle(
            linker.defaultLookup().find("setenv").orElseThrow(),
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
    try (Arena tmp = Arena.ofConfined()) {
      int rc = (int) setenv.invokeExact(tmp.allocateFrom(name), tmp.allocateFrom(value), 1);
      if (rc != 0) {
        throw new ExecuTorchException(ErrorCode.INTERNAL, "setenv(" + name + ") failed");
      }
    } catch (ExecuTorchException e) {
      throw e;
    } catch (Throwable t) {
      throw new ExecuTorchException(ErrorCode.INTERNAL, "setenv(" + name + ") failed: " + t, t);
    }
  }

  // ------------------------------------------------------------------ Apple

  private static Backend apple(String name) {
    if (Native.backendAvailable(name)) {
      return new Backend(name, true, "registered in the runtime", "");
    }
    String what = name.equals(COREML) ? "Core ML" : "MLX";
    return isMac()
        ? new Backend(
            name,
            false,
            "executorch4j's macOS natives do not include ExecuTorch's " + what + " backend yet",
            "load a native library that registers it (ExecuTorchRuntime.loadOperatorLibrary)")
        : new Backend(
            name, false, what + " runs on macOS (Apple silicon) only, not on " + osName(), "");
  }

  private static String osName() {
    return System.getProperty("os.name");
  }

  private static boolean isLinux() {
    return osName().toLowerCase(Locale.ROOT).startsWith("linux");
  }

  private static boolean isMac() {
    String os = osName().toLowerCase(Locale.ROOT);
    return os.startsWith("mac") || os.startsWith("darwin");
  }
}
