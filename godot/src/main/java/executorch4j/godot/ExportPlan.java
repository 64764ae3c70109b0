package executorch4j.godot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * What {@code ExecuTorchExportPlugin._export_begin} asks Godot to copy beside an exported game,
 * worked out from the export's feature tags and the addon folder alone (no engine calls, so it is
 * unit-tested directly).
 *
 * <p>Godot 4.3's PC exporter ({@code EditorExportPlatformPC::export_project_data}) copies every
 * shared object to {@code <export dir>/<target>/<file name>}, and a folder recursively ({@code
 * DirAccess::copy_dir}). Its GDExtension export plugin adds the extension's library with an empty
 * target, so {@code libexecutorch4j_godot.so} lands beside the game executable, where {@code
 * OS_Unix::open_dynamic_library} looks for it. The plan adds, with target {@value #TARGET}:
 *
 * <pre>
 * &lt;game dir&gt;/libexecutorch4j_godot.so                      (Godot's GDExtension plugin)
 * &lt;game dir&gt;/executorch4j/executorch4j.jar                   (the library, natives inside)
 * &lt;game dir&gt;/executorch4j/executorch4j-godot.jar             (this glue)
 * &lt;game dir&gt;/executorch4j/executorch4j-llm.jar               (text generation, when the addon has it)
 * &lt;game dir&gt;/executorch4j/jre/&lt;platform&gt;/...                 (that platform's Java runtime only)
 * </pre>
 *
 * which the shim finds relative to its own library ({@code <dir>/executorch4j/}).
 */
final class ExportPlan {
  /** The folder, relative to the exported executable, that receives the jars. */
  static final String TARGET = "executorch4j";

  /** The folder that receives {@code jre/<platform>}. */
  static final String JRE_TARGET = TARGET + "/jre";

  static final List<String> REQUIRED_JARS = List.of("executorch4j.jar", "executorch4j-godot.jar");
  static final String LLM_JAR = "executorch4j-llm.jar";

  /** A class each required jar must hold (a truncated or foreign jar fails here). */
  private static final List<String> MARKERS =
      List.of("executorch4j/ExecuTorchModel.class", "executorch4j/godot/Bootstrap.class");

  /** One {@code add_shared_object(path, tags, target)} call. */
  record SharedObject(String path, List<String> tags, String target) {}

  /** The calls to make and the messages to print (each a full sentence). */
  record Result(String platform, List<SharedObject> objects, List<String> errors) {}

  private ExportPlan() {}

  /**
   * The jar natives platform (linux-x86_64, linux-aarch64, macos-aarch64) of an export, from the
   * feature tags Godot passes to {@code _export_begin} (its OS name lower-cased and the preset's
   * {@code binary_format/architecture}), or null when executorch4j has no natives for it.
   */
  static String platform(Collection<String> features) {
    if (features.contains("linux")) {
      return features.contains("x86_64")
          ? "linux-x86_64"
          : features.contains("arm64") ? "linux-aarch64" : null;
    }
    if (features.contains("macos")) {
      return features.contains("arm64") || features.contains("universal") ? "macos-aarch64" : null;
    }
    return null;
  }

  /** The platforms the plugin supports, by Godot export platform OS name (get_os_name). */
  static boolean supportsOs(String osName) {
    return osName.equalsIgnoreCase("Linux") || osName.equalsIgnoreCase("macOS");
  }

  static Result plan(Collection<String> features, Path addonDir) {
    List<SharedObject> objects = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    String platform = platform(features);
    if (platform == null) {
      errors.add(
          "ExecuTorch4j export: executorch4j has no natives for this export (features "
              + sorted(features)
              + "): the exported game cannot load .pte models. Supported: Linux x86_64, Linux arm64, macOS arm64.");
      return new Result(null, objects, errors);
    }
    List<String> tags =
        platform.startsWith("linux")
            ? List.of("linux", platform.endsWith("x86_64") ? "x86_64" : "arm64")
            : List.of("macos", "arm64");
    if (features.contains("macos") && features.contains("universal")) {
      errors.add(
          "ExecuTorch4j export: a universal macOS export gets arm64 natives only: the game cannot load"
              + " .pte models on Intel Macs.");
    }
    for (int i = 0; i < REQUIRED_JARS.size(); i++) {
      Path jar = addonDir.resolve(REQUIRED_JARS.get(i));
      String problem = checkJar(jar, MARKERS.get(i));
      if (problem != null) {
        errors.add(
            "ExecuTorch4j export: "
                + problem
                + ": the exported game will not start executorch4j."
                + " Rebuild the addon with godot/addon.sh.");
        continue;
      }
      if (i == 0 && !hasEntry(jar, "natives/" + platform + "/index.txt")) {
        errors.add(
            "ExecuTorch4j export: "
                + jar
                + " has no natives for "
                + platform
                + ": the exported game cannot load .pte models. Build them with scripts/build-all-platforms.sh, then"
                + " godot/addon.sh --all-platforms.");
      }
      objects.add(new SharedObject(jar.toString(), tags, TARGET));
    }
    Path llm = addonDir.resolve(LLM_JAR);
    if (Files.exists(llm)) {
      String problem = checkJar(llm, null);
      if (problem == null) {
        objects.add(new SharedObject(llm.toString(), tags, TARGET));
      } else {
        errors.add(
            "ExecuTorch4j export: "
                + problem
                + ": text generation will not work in the exported game.");
      }
    }
    Path jre = addonDir.resolve("jre").resolve(platform);
    Path libjvm =
        jre.resolve("lib/server")
            .resolve(platform.startsWith("macos") ? "libjvm.dylib" : "libjvm.so");
    if (!Files.isRegularFile(libjvm)) {
      errors.add(
          "ExecuTorch4j export: the addon has no Java runtime for "
              + platform
              + " ("
              + libjvm
              + " is missing; godot/addon.sh bundles one for its own platform, --all-platforms for the others):"
              + " the exported game will need Java 22+ on the player's machine (JAVA_HOME).");
    } else {
      String built = binaryPlatform(libjvm);
      if (!platform.equals(built)) {
        errors.add(
            "ExecuTorch4j export: "
                + libjvm
                + " is a Java runtime for "
                + (built == null ? "an unknown platform" : built)
                + ", not "
                + platform
                + ": it is left out of the export. Rebuild the addon with godot/addon.sh.");
      } else {
        objects.add(new SharedObject(jre.toString(), tags, JRE_TARGET));
      }
    }
    return new Result(platform, objects, errors);
  }

  /** Null if `jar` is a readable jar holding `marker` (when given), else what is wrong with it. */
  static String checkJar(Path jar, String marker) {
    if (!Files.isRegularFile(jar)) {
      return jar + " is missing";
    }
    try (ZipFile z = new ZipFile(jar.toFile())) {
      if (marker != null && z.getEntry(marker) == null) {
        return jar + " is not the executorch4j jar it should be (no " + marker + ")";
      }
      return null;
    } catch (IOException e) {
      return jar + " is corrupted (not a readable jar: " + e.getMessage() + ")";
    }
  }

  private static boolean hasEntry(Path jar, String entry) {
    try (ZipFile z = new ZipFile(jar.toFile())) {
      return z.getEntry(entry) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The platform a shared library is built for, from its header: ELF x86-64 (machine 62) or AArch64
   * (183), Mach-O arm64; null for anything else.
   */
  static String binaryPlatform(Path lib) {
    byte[] h = new byte[20];
    try (InputStream in = Files.newInputStream(lib)) {
      if (in.readNBytes(h, 0, h.length) < h.length) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    if (h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[4] == 2 && h[5] == 1) {
      int machine = (h[18] & 0xff) | (h[19] & 0xff) << 8;
      return machine == 62 ? "linux-x86_64" : machine == 183 ? "linux-aarch64" : null;
    }
    int magic = (h[0] & 0xff) | (h[1] & 0xff) << 8 | (h[2] & 0xff) << 16 | (h[3] & 0xff) << 24;
    int cpu = (h[4] & 0xff) | (h[5] & 0xff) << 8 | (h[6] & 0xff) << 16 | (h[7] & 0xff) << 24;
    return magic == 0xfeedfacf && cpu == 0x0100000c ? "macos-aarch64" : null;
  }

  private static List<String> sorted(Collection<String> features) {
    return features.stream().sorted().toList();
  }
}
