package executorch4j.internal;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
 * Loads libet4j.so and the ExecuTorch libraries next to it, once. Order: the folder named by the
 * system property {@code executorch4j.natives.dir}; else the jar's {@code natives/<os>-<arch>/}
 * extracted into a checksum-verified cache folder ({@code executorch4j.cache.dir}, default
 * {@code ~/.cache/executorch4j}); else {@code System.loadLibrary("et4j")}.
 */
public final class NativeLoader {
  private static final String LIBRARY = "libet4j.so";
  private static volatile boolean loaded;
  private static volatile String loadedFrom = "";

  private NativeLoader() {}

  public static synchronized void load() {
    if (loaded) {
      return;
    }
    String dir = System.getProperty("executorch4j.natives.dir");
    if (dir != null) {
      loadedFrom = Path.of(dir, LIBRARY).toAbsolutePath().toString();
      System.load(loadedFrom);
    } else {
      String platform = platform();
      String base = "/natives/" + platform + "/";
      List<String[]> index = readIndex(base + "index.txt");
      if (index != null) {
        Path target = extract(base, index);
        loadedFrom = target.resolve(LIBRARY).toString();
        System.load(loadedFrom);
      } else {
        try {
          System.loadLibrary("et4j");
          loadedFrom = System.mapLibraryName("et4j") + " from java.library.path";
        } catch (UnsatisfiedLinkError e) {
          throw new ExecuTorchException(
              ErrorCode.NOT_SUPPORTED,
              "no executorch4j natives for " + platform + " in this jar and none on"
                  + " java.library.path; build them with native-libs/build.sh or set"
                  + " -Dexecutorch4j.natives.dir",
              e);
        }
      }
    }
    loaded = true;
  }

  /** Where the facade library was loaded from (empty before {@link #load()}). */
  public static String loadedFrom() {
    return loadedFrom;
  }

  static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String o = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os;
    String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86-64" : arch;
    return o + "-" + a.replace("x86-64", "x86_64");
  }

  private static List<String[]> readIndex(String resource) {
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

  /** Extracts every indexed file into a folder named by the index's own hash. */
  private static Path extract(String base, List<String[]> index) {
    String key = sha256(String.join(";", index.stream().map(e -> e[0] + "=" + e[1]).toList())
        .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    String root = System.getProperty("executorch4j.cache.dir",
        Path.of(System.getProperty("user.home"), ".cache", "executorch4j").toString());
    Path dir = Path.of(root, key);
    try {
      Files.createDirectories(dir);
      // Hashing ~14 MB costs tens of ms per JVM start: after one full verification a marker
      // records each file's size, and later starts check sizes only.
      Path marker = dir.resolve(".verified");
      if (Files.isRegularFile(marker) && Files.readString(marker).equals(sizes(dir, index))) {
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
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      Path tmp = Files.createTempFile(dir, ".verified", ".tmp");
      Files.writeString(tmp, sizes(dir, index));
      Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.ACCESS_FAILED,
          "cannot extract natives to " + dir + ": " + e.getMessage()
              + " (set -Dexecutorch4j.cache.dir to a writable folder)",
          e);
    }
  }

  /** "name=size;..." of the extracted files (size -1 when missing). */
  private static String sizes(Path dir, List<String[]> index) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String[] entry : index) {
      Path f = dir.resolve(entry[0]);
      sb.append(entry[0]).append('=').append(Files.isRegularFile(f) ? Files.size(f) : -1).append(';');
    }
    return sb.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
