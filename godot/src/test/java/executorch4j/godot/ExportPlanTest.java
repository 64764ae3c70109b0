package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the export plugin asks Godot to copy, from the features of an export and the addon folder:
 * the jars and only the target platform's runtime, and a message for each problem.
 */
class ExportPlanTest {
  @TempDir Path addon;

  static final List<String> LINUX_X86 =
      List.of("pc", "s3tc", "linux", "x86_64", "template", "release", "template_release");
  static final List<String> LINUX_ARM =
      List.of("pc", "s3tc", "linux", "arm64", "template", "release", "template_release");

  /** A jar holding the given entries (each a few bytes). */
  static void jar(Path path, String... entries) throws IOException {
    Files.createDirectories(path.getParent());
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(path))) {
      for (String e : entries) {
        z.putNextEntry(new ZipEntry(e));
        z.write(e.getBytes());
        z.closeEntry();
      }
    }
  }

  /**
   * The first 64 bytes of a 64-bit little-endian ELF shared object for `machine` (62 x86-64, 183
   * AArch64).
   */
  static byte[] elfHeader(int machine) {
    byte[] h = new byte[64];
    h[0] = 0x7f;
    h[1] = 'E';
    h[2] = 'L';
    h[3] = 'F';
    h[4] = 2; // 64-bit
    h[5] = 1; // little-endian
    h[6] = 1;
    h[16] = 3; // ET_DYN
    h[18] = (byte) machine;
    h[19] = (byte) (machine >> 8);
    return h;
  }

  static Path runtime(Path addon, String platform, int machine) throws IOException {
    Path libjvm = addon.resolve("jre").resolve(platform).resolve("lib/server/libjvm.so");
    Files.createDirectories(libjvm.getParent());
    Files.write(libjvm, elfHeader(machine));
    return addon.resolve("jre").resolve(platform);
  }

  /**
   * A complete addon: both jars (natives for both Linux platforms), the LLM jar, the x86-64
   * runtime.
   */
  static void addon(Path addon) throws IOException {
    jar(
        addon.resolve("executorch4j.jar"),
        "executorch4j/ExecuTorchModel.class",
        "natives/linux-x86_64/index.txt",
        "natives/linux-aarch64/index.txt");
    jar(addon.resolve("executorch4j-godot.jar"), "executorch4j/godot/Bootstrap.class");
    jar(addon.resolve("executorch4j-llm.jar"), "executorch4j/llm/Llm.class");
    runtime(addon, "linux-x86_64", 62);
  }

  @Test
  void platformComesFromTheOsAndArchitectureFeatures() {
    assertEquals("linux-x86_64", ExportPlan.platform(LINUX_X86));
    assertEquals("linux-aarch64", ExportPlan.platform(LINUX_ARM));
    assertEquals("macos-aarch64", ExportPlan.platform(Set.of("pc", "macos", "arm64")));
    assertEquals("macos-aarch64", ExportPlan.platform(Set.of("pc", "macos", "universal")));
    assertNull(ExportPlan.platform(Set.of("pc", "macos", "x86_64")));
    assertNull(ExportPlan.platform(Set.of("pc", "windows", "x86_64")));
    assertNull(ExportPlan.platform(Set.of("pc", "linux", "x86_32")));
    assertTrue(ExportPlan.supportsOs("Linux") && ExportPlan.supportsOs("macOS"));
    assertTrue(
        !ExportPlan.supportsOs("Windows")
            && !ExportPlan.supportsOs("Android")
            && !ExportPlan.supportsOs("Web"));
  }

  @Test
  void linuxX86ExportGetsTheJarsAndOnlyItsRuntime() throws IOException {
    addon(addon);
    runtime(addon, "linux-aarch64", 183); // another platform's runtime stays out
    ExportPlan.Result r = ExportPlan.plan(LINUX_X86, addon);
    List<String> tags = List.of("linux", "x86_64");
    assertEquals(
        List.of(
            new ExportPlan.SharedObject(
                addon.resolve("executorch4j.jar").toString(), tags, "executorch4j"),
            new ExportPlan.SharedObject(
                addon.resolve("executorch4j-godot.jar").toString(), tags, "executorch4j"),
            new ExportPlan.SharedObject(
                addon.resolve("executorch4j-llm.jar").toString(), tags, "executorch4j"),
            new ExportPlan.SharedObject(
                addon.resolve("jre/linux-x86_64").toString(), tags, "executorch4j/jre")),
        r.objects());
    assertEquals(List.of(), r.errors());
  }

  @Test
  void missingRuntimeIsAnErrorAndTheJarsStillGo() throws IOException {
    addon(addon);
    ExportPlan.Result r = ExportPlan.plan(LINUX_ARM, addon);
    assertEquals("linux-aarch64", r.platform());
    assertEquals(3, r.objects().size(), r.objects().toString());
    assertTrue(
        r.objects().stream()
            .allMatch(o -> o.target().equals("executorch4j") && o.path().endsWith(".jar")));
    assertEquals(1, r.errors().size(), r.errors().toString());
    assertTrue(
        r.errors().getFirst().contains("no Java runtime for linux-aarch64")
            && r.errors().getFirst().contains("Java 22+ on the player's machine"),
        r.errors().getFirst());
  }

  @Test
  void runtimeOfAnotherPlatformIsLeftOut() throws IOException {
    addon(addon);
    runtime(addon, "linux-aarch64", 62); // an x86-64 libjvm.so in the aarch64 folder
    ExportPlan.Result r = ExportPlan.plan(LINUX_ARM, addon);
    assertTrue(
        r.objects().stream().noneMatch(o -> o.target().equals("executorch4j/jre")),
        r.objects().toString());
    assertEquals(1, r.errors().size(), r.errors().toString());
    assertTrue(
        r.errors().getFirst().contains("is a Java runtime for linux-x86_64, not linux-aarch64"),
        r.errors().getFirst());
  }

  @Test
  void corruptedJarIsLeftOutWithAnError() throws IOException {
    addon(addon);
    Path glue = addon.resolve("executorch4j-godot.jar");
    byte[] whole = Files.readAllBytes(glue);
    Files.write(glue, Arrays.copyOf(whole, whole.length / 2)); // a truncated download
    ExportPlan.Result r = ExportPlan.plan(LINUX_X86, addon);
    assertTrue(
        r.objects().stream().noneMatch(o -> o.path().equals(glue.toString())),
        r.objects().toString());
    assertEquals(3, r.objects().size(), r.objects().toString());
    assertEquals(1, r.errors().size(), r.errors().toString());
    assertTrue(r.errors().getFirst().contains(glue + " is corrupted"), r.errors().getFirst());
  }

  @Test
  void jarWithoutTheTargetsNativesIsReported() throws IOException {
    addon(addon);
    jar(
        addon.resolve("executorch4j.jar"),
        "executorch4j/ExecuTorchModel.class",
        "natives/linux-x86_64/index.txt");
    runtime(addon, "linux-aarch64", 183);
    ExportPlan.Result r = ExportPlan.plan(LINUX_ARM, addon);
    assertEquals(4, r.objects().size(), r.objects().toString());
    assertEquals(1, r.errors().size(), r.errors().toString());
    assertTrue(
        r.errors().getFirst().contains("has no natives for linux-aarch64"), r.errors().getFirst());
  }

  @Test
  void unsupportedPlatformGetsNothingAndAMessage() throws IOException {
    addon(addon);
    ExportPlan.Result r =
        ExportPlan.plan(List.of("pc", "windows", "x86_64", "template", "release"), addon);
    assertNull(r.platform());
    assertEquals(List.of(), r.objects());
    assertEquals(1, r.errors().size());
    assertTrue(r.errors().getFirst().contains("no natives for this export"), r.errors().getFirst());
  }

  @Test
  void binaryPlatformReadsElfAndMachOHeaders() throws IOException {
    Path f = addon.resolve("lib");
    Files.write(f, elfHeader(62));
    assertEquals("linux-x86_64", ExportPlan.binaryPlatform(f));
    Files.write(f, elfHeader(183));
    assertEquals("linux-aarch64", ExportPlan.binaryPlatform(f));
    byte[] macho = new byte[32];
    byte[] head = {(byte) 0xcf, (byte) 0xfa, (byte) 0xed, (byte) 0xfe, 0x0c, 0x00, 0x00, 0x01};
    System.arraycopy(head, 0, macho, 0, head.length);
    Files.write(f, macho);
    assertEquals("macos-aarch64", ExportPlan.binaryPlatform(f));
    try (OutputStream o = Files.newOutputStream(f)) {
      o.write("#!/bin/sh\necho not a library\n".getBytes());
    }
    assertNull(ExportPlan.binaryPlatform(f));
  }

  /**
   * godot/demo/export_presets.cfg: every preset exports the models (and their settings) and targets
   * a platform the export plugin has natives for.
   */
  @Test
  void demoPresetsExportTheModelsForSupportedPlatforms() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("godot/demo/export_presets.cfg"));
    java.util.Map<String, java.util.Map<String, String>> sections = new java.util.LinkedHashMap<>();
    java.util.Map<String, String> current = null;
    for (String line : lines) {
      if (line.startsWith("[")) {
        current =
            sections.computeIfAbsent(
                line.substring(1, line.indexOf(']')), k -> new java.util.HashMap<>());
      } else if (current != null && line.contains("=")) {
        String value = line.substring(line.indexOf('=') + 1);
        current.put(
            line.substring(0, line.indexOf('=')),
            value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
      }
    }
    List<String> platforms = new java.util.ArrayList<>();
    for (var e : sections.entrySet()) {
      if (!e.getKey().matches("preset\\.\\d+")) {
        continue;
      }
      var preset = e.getValue();
      assertEquals(
          Set.of("*.pte", "*.pte.cfg"),
          Set.of(preset.get("include_filter").split(",\\s*")),
          e.getKey());
      String arch = sections.get(e.getKey() + ".options").get("binary_format/architecture");
      String os = preset.get("platform").toLowerCase(java.util.Locale.ROOT);
      assertTrue(ExportPlan.supportsOs(preset.get("platform")), e.getKey());
      platforms.add(ExportPlan.platform(List.of("pc", os, arch)));
    }
    assertEquals(List.of("linux-x86_64", "linux-aarch64", "macos-aarch64"), platforms);
  }
}
