package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and the errors a player can meet, through the host harness: the extension's EDITOR level
 * registers the editor and export plugins; an export asks for exactly the jars and the target's
 * runtime, which the harness copies the way Godot 4.3's PC exporter does; the shim then starts from
 * that exported layout with no Java installed; and a missing runtime, another platform's runtime, a
 * corrupted jar or a model left out of the export give a clear error in Godot's log and no crash
 * (gdhost exit 2 is Godot's "initialization function returned an error": the game goes on without
 * the extension).
 */
class GodotExportTest {
  static final Path SCENARIOS = Path.of("godot/src/test/resources/export");
  static final Path SHIM = GodotHarnessTest.GODOT.resolve("libexecutorch4j_godot.so");
  static final String LINUX_X86 =
      "PackedStringArray(\"pc\", \"s3tc\", \"linux\", \"x86_64\", \"template\", \"release\", \"template_release\")";

  @TempDir Path tmp;

  record Run(int code, String out) {}

  /**
   * gdhost on `lib` with `scenario` (${TMP}, ${FIXTURES}, ${ADDON} substituted). With `javaHome`
   * null nothing names a Java: no JAVA_HOME, EXECUTORCH4J_*, nor java on PATH, as on a player's
   * machine. `maxLevel` 2 stops at SCENE, as an exported game does.
   */
  Run gdhost(Path lib, Path scenario, Path addon, Path javaHome, String classpath, int maxLevel)
      throws Exception {
    String text =
        GodotHarnessTest.substitute(
            Files.readString(scenario)
                .replace("${FIXTURES}", Path.of("fixtures").toAbsolutePath().toString())
                .replace("${TMP}", tmp.toString())
                .replace("${ADDON}", addon == null ? "" : addon.toString()));
    Path concrete = tmp.resolve(scenario.getFileName());
    Files.writeString(concrete, text);
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                GodotHarnessTest.GODOT.resolve("gdhost").toAbsolutePath().toString(),
                lib.toAbsolutePath().toString(),
                "executorch4j_library_init",
                concrete.toString()));
    Map<String, String> env = pb.environment();
    for (String k :
        List.of(
            "JAVA_HOME",
            "EXECUTORCH4J_JAVA_HOME",
            "EXECUTORCH4J_CLASSPATH",
            "JDK_JAVA_OPTIONS",
            "JAVA_TOOL_OPTIONS")) {
      env.remove(k);
    }
    env.put("PATH", "/usr/bin/no-java");
    env.put("EXECUTORCH4J_VERBOSE", "1");
    env.put("GDHOST_MAX_LEVEL", String.valueOf(maxLevel));
    if (javaHome != null) {
      env.put("EXECUTORCH4J_JAVA_HOME", javaHome.toString());
    }
    if (classpath != null) {
      env.put("EXECUTORCH4J_CLASSPATH", classpath);
    }
    HostRun run = HostRun.of(pb);
    String out = run.out();
    int code = run.exitCode();
    System.out.println(
        "--- " + scenario.getFileName() + " on " + lib + " (exit " + code + ")\n" + out);
    assertFalse(
        out.contains("UNIMPLEMENTED")
            || out.contains("SIGSEGV")
            || out.contains("A fatal error has been detected")
            || out.contains("AddressSanitizer"),
        out);
    return new Run(code, out);
  }

  static String devClasspath() {
    return Path.of("core/target/classes").toAbsolutePath()
        + ":"
        + Path.of("godot/target/classes").toAbsolutePath();
  }

  /** The glue jar as godot/addon.sh would ship it: this build's classes. */
  static void glueJar(Path jar) throws IOException {
    Path classes = Path.of("godot/target/classes");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        z.putNextEntry(new ZipEntry(classes.relativize(f).toString().replace('\\', '/')));
        z.write(Files.readAllBytes(f));
        z.closeEntry();
      }
    }
  }

  /**
   * The addon folder: this build's shim, stand-in jars and runtime headers (ExportPlanTest.addon).
   */
  Path fakeAddon() throws IOException {
    Path addon = tmp.resolve("project/addons/executorch4j");
    ExportPlanTest.addon(addon);
    Files.writeString(addon.resolve("jre/linux-x86_64/lib/modules"), "the runtime's module image");
    Files.copy(SHIM, addon.resolve(SHIM.getFileName()));
    return addon;
  }

  /** The `shared_object ...` lines an export printed, each as "path|tags|target". */
  static List<String> sharedObjects(String out, String exportLine) {
    int from = out.indexOf("> export " + exportLine);
    assertTrue(from >= 0, "no export " + exportLine + " in\n" + out);
    int to = out.indexOf("\n> ", from + 1);
    String section = out.substring(from, to < 0 ? out.length() : to);
    List<String> found = new ArrayList<>();
    Matcher m =
        Pattern.compile(
                "shared_object \"([^\"]*)\" tags (PackedStringArray\\([^)]*\\)) target \"([^\"]*)\"")
            .matcher(section);
    while (m.find()) {
      found.add(m.group(1) + "|" + m.group(2) + "|" + m.group(3));
    }
    return found;
  }

  @Test
  void editorLevelRegistersThePluginsAndALinuxExportAsksForExactlyTheRightFiles() throws Exception {
    Path addon = fakeAddon();
    Run r =
        gdhost(
            addon.resolve(SHIM.getFileName()),
            SCENARIOS.resolve("editor_export.scn"),
            addon,
            Path.of(System.getProperty("java.home")),
            devClasspath(),
            3);
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("editor plugins: ExecuTorchEditorPlugin\n"), r.out());
    assertTrue(r.out().contains("class ExecuTorchEditorPlugin extends EditorPlugin"), r.out());
    assertTrue(
        r.out().contains("class ExecuTorchExportPlugin extends EditorExportPlugin"), r.out());
    assertTrue(
        r.out()
            .contains(
                "export plugin ExecuTorchExportPlugin name \"ExecuTorch4j\" supports Linux: true"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "export plugin ExecuTorchExportPlugin name \"ExecuTorch4j\" supports Windows: false"),
        r.out());

    String x86 = "PackedStringArray(\"linux\", \"x86_64\")";
    assertEquals(
        List.of(
            addon.resolve("executorch4j.jar") + "|" + x86 + "|executorch4j",
            addon.resolve("executorch4j-godot.jar") + "|" + x86 + "|executorch4j",
            addon.resolve("executorch4j-llm.jar") + "|" + x86 + "|executorch4j",
            addon.resolve("jre/linux-x86_64") + "|" + x86 + "|executorch4j/jre"),
        sharedObjects(r.out(), "\"Linux\" " + LINUX_X86));
    // Copied as Godot's PC exporter does: <export dir>/<target>/<file name>, folders recursively.
    Path game = tmp.resolve("linux");
    assertArrayEquals(
        Files.readAllBytes(SHIM), Files.readAllBytes(game.resolve("libexecutorch4j_godot.so")));
    for (String jar :
        List.of("executorch4j.jar", "executorch4j-godot.jar", "executorch4j-llm.jar")) {
      assertArrayEquals(
          Files.readAllBytes(addon.resolve(jar)),
          Files.readAllBytes(game.resolve("executorch4j").resolve(jar)));
    }
    assertArrayEquals(
        ExportPlanTest.elfHeader(62),
        Files.readAllBytes(game.resolve("executorch4j/jre/linux-x86_64/lib/server/libjvm.so")));
    assertTrue(Files.exists(game.resolve("executorch4j/jre/linux-x86_64/lib/modules")));

    // arm64: the jars, no runtime (the addon has none for it) and one error saying so.
    String arm = "PackedStringArray(\"linux\", \"arm64\")";
    List<String> armObjects =
        sharedObjects(
            r.out(), "\"Linux\" PackedStringArray(\"pc\", \"s3tc\", \"linux\", \"arm64\"");
    assertEquals(
        List.of(
            addon.resolve("executorch4j.jar") + "|" + arm + "|executorch4j",
            addon.resolve("executorch4j-godot.jar") + "|" + arm + "|executorch4j",
            addon.resolve("executorch4j-llm.jar") + "|" + arm + "|executorch4j"),
        armObjects);
    assertTrue(r.out().contains("the addon has no Java runtime for linux-aarch64"), r.out());
    assertFalse(Files.exists(tmp.resolve("arm/executorch4j/jre")));
    // Windows: nothing but the message.
    assertEquals(List.of(), sharedObjects(r.out(), "\"Windows\""));
    assertTrue(r.out().contains("executorch4j has no natives for this export"), r.out());
  }

  /**
   * The whole path with no Java installed: the export of a real addon (this build's jars, the
   * jlinked runtime of godot/addon.sh), then the exported game, at SCENE level only as an export
   * template, loads a model from res:// on the bundled runtime.
   */
  @Test
  void exportedGameStartsFromItsOwnFolderWithNoJavaInstalled() throws Exception {
    // The JDK running this test stands in for the addon's runtime (scripts/test.sh addon runs
    // the same path with the runtime godot/addon.sh jlinks, which does not exist yet here).
    Path runtime = Path.of(System.getProperty("java.home")).toAbsolutePath();
    Path coreJar = Path.of("core/target/executorch4j-0.1.0-SNAPSHOT.jar").toAbsolutePath();
    assertTrue(
        Files.isRegularFile(runtime.resolve("lib/server/libjvm.so")),
        runtime + " has no libjvm.so");
    assertTrue(
        Files.isRegularFile(coreJar),
        "the core jar is packaged before the godot module's tests: " + coreJar);
    Path addon = tmp.resolve("project/addons/executorch4j");
    Files.createDirectories(addon.resolve("jre"));
    Files.copy(SHIM, addon.resolve(SHIM.getFileName()));
    Files.copy(coreJar, addon.resolve("executorch4j.jar"));
    glueJar(addon.resolve("executorch4j-godot.jar"));
    Files.createSymbolicLink(addon.resolve("jre/linux-x86_64"), runtime);
    Run export =
        gdhost(
            addon.resolve(SHIM.getFileName()),
            SCENARIOS.resolve("export_game.scn"),
            addon,
            Path.of(System.getProperty("java.home")),
            devClasspath(),
            3);
    assertEquals(0, export.code(), export.out());
    Path game = tmp.resolve("game");
    assertTrue(
        Files.isRegularFile(game.resolve("executorch4j/jre/linux-x86_64/lib/server/libjvm.so")),
        export.out());

    Files.createDirectories(tmp.resolve("res/models"));
    Files.copy(
        Path.of("fixtures/linear_regression.pte"), tmp.resolve("res/models/linear_regression.pte"));
    Path java = game.resolve("executorch4j/jre/linux-x86_64/bin/java");
    assertFalse(
        Files.isExecutable(java), "copied without its execute bits, as DirAccess::copy does");
    writableByAll(game.resolve("executorch4j")); // as Godot 4.3's exporter writes every file
    Run played =
        gdhost(
            game.resolve("libexecutorch4j_godot.so"),
            SCENARIOS.resolve("play_exported.scn"),
            null,
            null,
            null,
            2);
    assertEquals(0, played.code(), played.out());
    assertTrue(played.out().contains("minimum level SCENE, up to SCENE"), played.out());
    assertTrue(
        played
            .out()
            .contains(
                "executorch4j: Java runtime "
                    + game
                    + "/executorch4j/jre/linux-x86_64/lib/server/libjvm.so"),
        played.out());
    assertTrue(
        Files.isExecutable(java), "the shim made the exported runtime's launcher executable again");
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(java)));
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(game.resolve("executorch4j/executorch4j.jar"))));
    try (Stream<Path> all = Files.walk(game.resolve("executorch4j"))) {
      List<String> writable =
          all.filter(f -> !Files.isSymbolicLink(f)) // a link's own mode means nothing
              .filter(
                  f -> {
                    try {
                      var mode = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
                      return mode.contains(PosixFilePermission.GROUP_WRITE)
                          || mode.contains(PosixFilePermission.OTHERS_WRITE);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  })
              .map(Path::toString)
              .limit(10)
              .toList();
      assertEquals(List.of(), writable, "what the game runs is writable by its owner only");
    }
  }

  /** Every file 0666 and folder 0777 (execute bits of files as they are), links left alone. */
  static void writableByAll(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : all.toList()) {
        if (Files.isSymbolicLink(f)) continue;
        var mode = Files.getPosixFilePermissions(f);
        mode.addAll(
            List.of(
                PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.OTHERS_READ));
        Files.setPosixFilePermissions(f, mode);
      }
    }
  }

  /** An exported game folder with this build's shim and the given extras. */
  Path game() throws IOException {
    Path game = tmp.resolve("game");
    Files.createDirectories(game.resolve("executorch4j"));
    Files.copy(SHIM, game.resolve(SHIM.getFileName()));
    ExportPlanTest.jar(
        game.resolve("executorch4j/executorch4j.jar"), "executorch4j/ExecuTorchModel.class");
    ExportPlanTest.jar(
        game.resolve("executorch4j/executorch4j-godot.jar"), "executorch4j/godot/Bootstrap.class");
    return game;
  }

  Run play(Path game, Path javaHome) throws Exception {
    return gdhost(
        game.resolve(SHIM.getFileName()),
        SCENARIOS.resolve("play_nothing.scn"),
        null,
        javaHome,
        null,
        2);
  }

  @Test
  void noBundledRuntimeAndNoJavaIsAClearErrorNotACrash() throws Exception {
    Path game = game();
    Run r = play(game, null);
    assertEquals(2, r.code(), r.out());
    assertTrue(
        r.out()
            .contains(
                "ERROR: executorch4j needs a Java 22+ runtime and this game has none for linux-x86_64 ("
                    + game
                    + "/executorch4j/jre/linux-x86_64 is missing"),
        r.out());
  }

  @Test
  void runtimeForAnotherPlatformIsAClearErrorNotACrash() throws Exception {
    Path game = game();
    ExportPlanTest.runtime(
        game.resolve("executorch4j"), "linux-x86_64", 183); // an aarch64 libjvm.so
    Run r = play(game, null);
    assertEquals(2, r.code(), r.out());
    assertTrue(
        r.out()
            .contains(
                "ERROR: executorch4j: the Java runtime "
                    + game
                    + "/executorch4j/jre/linux-x86_64/lib/server/libjvm.so is for linux-aarch64, not linux-x86_64"),
        r.out());
  }

  @Test
  void corruptedJarsAreAClearErrorBeforeAnyJvmStarts() throws Exception {
    Path game = game();
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path glue = game.resolve("executorch4j/executorch4j-godot.jar");
    byte[] whole = Files.readAllBytes(glue);
    Files.write(glue, Arrays.copyOf(whole, whole.length - 10)); // cut: no end of central directory
    Run cut = play(game, javaHome);
    assertEquals(2, cut.code(), cut.out());
    assertTrue(
        cut.out().contains("ERROR: executorch4j: " + glue + " is corrupted (truncated"), cut.out());
    assertFalse(cut.out().contains("Bootstrap"), "no JVM was started on it: " + cut.out());

    Files.writeString(game.resolve("executorch4j/executorch4j.jar"), "<html>404 Not Found</html>");
    Run garbage = play(game, javaHome);
    assertEquals(2, garbage.code(), garbage.out());
    assertTrue(
        garbage
            .out()
            .contains(
                "ERROR: executorch4j: "
                    + game
                    + "/executorch4j/executorch4j.jar is corrupted (not a jar)"),
        garbage.out());

    Files.delete(game.resolve("executorch4j/executorch4j.jar"));
    Run missing = play(game, javaHome);
    assertEquals(2, missing.code(), missing.out());
    assertTrue(
        missing
            .out()
            .contains("ERROR: executorch4j: " + game + "/executorch4j/executorch4j.jar is missing"),
        missing.out());
  }

  /** A model left out of the export: an error naming the include filter, and the game goes on. */
  @Test
  void modelMissingFromTheExportIsAClearError() throws Exception {
    Files.createDirectories(tmp.resolve("res/models"));
    Files.copy(
        Path.of("fixtures/linear_regression.pte"), tmp.resolve("res/models/linear_regression.pte"));
    Run r =
        gdhost(
            SHIM,
            SCENARIOS.resolve("missing_model.scn"),
            null,
            Path.of(System.getProperty("java.home")),
            devClasspath(),
            2);
    assertEquals(0, r.code(), r.out());
    assertTrue(
        r.out()
            .contains(
                "ERROR: ExecuTorchResource: no such file res://models/left_out.pte (if this is an exported"
                    + " game, the model was not exported: add \"*.pte, *.pte.cfg\" to the export preset's include filter"),
        r.out());
  }
}
