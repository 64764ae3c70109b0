package executorch4j.internal;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Loads the facade (libet4j.so, libet4j.dylib on macOS) and the ExecuTorch libraries next to it,
 * once. Order: the folder named by the system property {@code executorch4j.natives.dir}; else, on a
 * supported platform, the jar's {@code natives/<os>-<arch>/} extracted into a checksum-verified
 * cache folder ({@code executorch4j.cache.dir}, default {@code ~/.cache/executorch4j}); else {@code
 * System.loadLibrary("et4j")}. Every failure is an {@link ExecuTorchException} naming the platform
 * found and the platforms supported, never an {@link UnsatisfiedLinkError}.
 */
public final class NativeLoader {
  /** The platforms the natives are built for (native-libs/build.sh), in NativeLoader's naming. */
  public static final List<String> SUPPORTED =
      List.of("linux-x86_64", "linux-aarch64", "macos-aarch64");

  /** The glibc the ExecuTorch wheels are built for (manylinux_2_28). */
  static final int[] GLIBC_FLOOR = {2, 28};

  private static volatile boolean loaded;
  private static volatile String loadedFrom = "";

  private NativeLoader() {}

  public static synchronized void load() {
    if (loaded) {
      return;
    }
    String platform = platform(System.getProperty("os.name"), System.getProperty("os.arch"));
    String library = libraryName(platform);
    String dir = System.getProperty("executorch4j.natives.dir");
    if (dir != null) {
      // An explicit folder wins, on any platform: someone built natives we do not ship.
      loadFrom(Path.of(dir, library).toAbsolutePath(), platform);
    } else {
      String unsupported = unsupportedReason(platform, glibcVersion());
      if (unsupported != null) {
        throw new ExecuTorchException(ErrorCode.NOT_SUPPORTED, unsupported);
      }
      String base = "/natives/" + platform + "/";
      List<String[]> index = readIndex(base + "index.txt");
      if (index != null) {
        String root =
            System.getProperty(
                "executorch4j.cache.dir",
                Path.of(System.getProperty("user.home"), ".cache", "executorch4j").toString());
        loadFrom(extract(base, index, Path.of(root)).resolve(library), platform);
      } else {
        try {
          System.loadLibrary("et4j");
          loadedFrom = System.mapLibraryName("et4j") + " from java.library.path";
        } catch (UnsatisfiedLinkError e) {
          throw new ExecuTorchException(
              ErrorCode.NOT_SUPPORTED,
              "this executorch4j jar has no natives for "
                  + platform
                  + " (it has: "
                  + String.join(", ", platformsInJar())
                  + ") and none are on java.library.path;"
                  + " use the jar built for every platform (scripts/build-all-platforms.sh) or"
                  + " set -Dexecutorch4j.natives.dir",
              e);
        }
      }
    }
    loaded = true;
  }

  private static void loadFrom(Path file, String platform) {
    try {
      System.load(file.toString());
      loadedFrom = file.toString();
    } catch (UnsatisfiedLinkError e) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          "cannot load the executorch4j natives for "
              + platform
              + " from "
              + file
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Where the facade library was loaded from (empty before {@link #load()}). */
  public static String loadedFrom() {
    return loadedFrom;
  }

  /** The platform name natives are filed under: {@code <os>-<arch>}, e.g. linux-aarch64. */
  public static String platform(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    String o =
        os.startsWith("linux")
            ? "linux"
            : os.startsWith("mac") || os.startsWith("darwin")
                ? "macos"
                : os.startsWith("windows") ? "windows" : os.replaceAll("[^a-z0-9]", "");
    String a =
        switch (arch) {
          case "amd64", "x86_64", "x86-64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          default -> arch.replaceAll("[^a-z0-9_]", "");
        };
    return o + "-" + a;
  }

  static String libraryName(String platform) {
    return platform.startsWith("macos-")
        ? "libet4j.dylib"
        : platform.startsWith("windows-") ? "et4j.dll" : "libet4j.so";
  }

  /**
   * Why the shipped natives cannot run here, or null when they can. {@code glibc} is the C
   * library's version on Linux ("2.36"), or null when it is not glibc (musl, as on Alpine).
   */
  static String unsupportedReason(String platform, String glibc) {
    String supported = " executorch4j runs on " + String.join(", ", SUPPORTED) + ".";
    if (!SUPPORTED.contains(platform)) {
      String hint =
          platform.startsWith("windows-")
              ? " ExecuTorch publishes no C++ libraries for Windows (see the README's Platforms section)."
              : platform.equals("macos-x86_64")
                  ? " ExecuTorch's macOS libraries are arm64 only; Intel Macs are not supported."
                  : "";
      return "no executorch4j natives for " + platform + "." + supported + hint;
    }
    if (platform.startsWith("linux-")) {
      if (glibc == null) {
        return "the executorch4j natives for "
            + platform
            + " need glibc "
            + GLIBC_FLOOR[0]
            + "."
            + GLIBC_FLOOR[1]
            + " or newer; this system's C library is not glibc (musl, as on"
            + " Alpine?). Use a glibc-based image (e.g. Debian or Ubuntu).";
      }
      if (compareVersions(glibc, GLIBC_FLOOR[0] + "." + GLIBC_FLOOR[1]) < 0) {
        return "the executorch4j natives for "
            + platform
            + " need glibc "
            + GLIBC_FLOOR[0]
            + "."
            + GLIBC_FLOOR[1]
            + " or newer (the ExecuTorch runtime is built for manylinux_2_28);"
            + " this system has glibc "
            + glibc
            + ".";
      }
    }
    return null;
  }

  /** The running glibc's version via gnu_get_libc_version, or null when the libc is not glibc. */
  static String glibcVersion() {
    if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")) {
      return null;
    }
    Linker linker = Linker.nativeLinker();
    return linker
        .defaultLookup()
        .find("gnu_get_libc_version")
        .map(
            f -> {
              try {
                MemorySegment v =
                    (MemorySegment)
                        linker
                            .downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS))
                            .invokeExact();
                return v.reinterpret(64).getString(0);
              } catch (Throwable t) {
                return null;
              }
            })
        .orElse(null);
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\."), y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? leadingInt(x[i]) : 0, q = i < y.length ? leadingInt(y[i]) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }

  private static int leadingInt(String s) {
    int n = 0;
    for (int i = 0; i < s.length() && Character.isDigit(s.charAt(i)); i++) {
      n = n * 10 + (s.charAt(i) - '0');
    }
    return n;
  }

  /** The platforms this jar carries natives for. */
  public static List<String> platformsInJar() {
    return SUPPORTED.stream()
        .filter(p -> NativeLoader.class.getResource("/natives/" + p + "/index.txt") != null)
        .toList();
  }

  static List<String[]> readIndex(String resource) {
    try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      List<String[]> entries = new ArrayList<>();
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = reader.readLine()) != null; ) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2) {
          entries.add(parts);
        }
      }
      return entries;
    } catch (IOException e) {
      throw new ExecuTorchException(ErrorCode.ACCESS_FAILED, "cannot read " + resource, e);
    }
  }

  /** Extracts every indexed file into a folder of {@code root} named by the index's own hash. */
  static Path extract(String base, List<String[]> index, Path root) {
    String indexText = String.join(";", index.stream().map(e -> e[0] + "=" + e[1]).toList());
    // A plain 64-bit hash names the folder: SHA-256's first use costs 35-65 ms of a fresh JVM's
    // start, and the marker below, not the name, is what vouches for the folder's contents.
    Path dir = root.resolve(HexFormat.of().toHexDigits(fnv1a64(indexText)));
    try {
      Files.createDirectories(dir);
      // Hashing ~14 MB costs tens of ms per JVM start: after one full verification a marker
      // records the index and each file's size, and later starts compare those only.
      Path marker = dir.resolve(".verified");
      if (Files.isRegularFile(marker)
          && Files.readString(marker).equals(markerText(indexText, dir, index))) {
        return dir;
      }
      for (String[] entry : index) {
        Path file = dir.resolve(entry[0]);
        if (Files.isRegularFile(file) && sha256(Files.readAllBytes(file)).equals(entry[1])) {
          continue;
        }
        try (InputStream in = NativeLoader.class.getResourceAsStream(base + entry[0])) {
          if (in == null) {
            throw new IOException("missing " + base + entry[0] + " in the jar");
          }
          byte[] bytes = in.readAllBytes();
          if (!sha256(bytes).equals(entry[1])) {
            throw new IOException("checksum mismatch for " + entry[0]);
          }
          Path tmp = Files.createTempFile(dir, entry[0], ".tmp");
          Files.write(tmp, bytes);
          Files.move(
              tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      Path tmp = Files.createTempFile(dir, ".verified", ".tmp");
      Files.writeString(tmp, markerText(indexText, dir, index));
      Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.ACCESS_FAILED,
          "cannot extract natives to "
              + dir
              + ": "
              + e.getMessage()
              + " (set -Dexecutorch4j.cache.dir to a writable folder)",
          e);
    }
  }

  /** The index, then "name=size;..." of the extracted files (size -1 when missing). */
  private static String markerText(String indexText, Path dir, List<String[]> index)
      throws IOException {
    StringBuilder sb = new StringBuilder(indexText).append('\n');
    for (String[] entry : index) {
      Path f = dir.resolve(entry[0]);
      sb.append(entry[0])
          .append('=')
          .append(Files.isRegularFile(f) ? Files.size(f) : -1)
          .append(';');
    }
    return sb.toString();
  }

  private static long fnv1a64(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
