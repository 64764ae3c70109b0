package executorch4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which natives a JVM gets, and what an unsupported platform is told. */
class NativeLoaderTest {

  @Test
  void platformNamesFollowTheNativesFolders() {
    assertEquals("linux-x86_64", NativeLoader.platform("Linux", "amd64"));
    assertEquals("linux-aarch64", NativeLoader.platform("Linux", "aarch64"));
    assertEquals("macos-aarch64", NativeLoader.platform("Mac OS X", "aarch64"));
    assertEquals("macos-x86_64", NativeLoader.platform("Mac OS X", "x86_64"));
    assertEquals("windows-x86_64", NativeLoader.platform("Windows 11", "amd64"));
    assertEquals("freebsd-x86_64", NativeLoader.platform("FreeBSD", "amd64"));
  }

  @Test
  void libraryFileNameIsThePlatformsOwn() {
    assertEquals("libet4j.so", NativeLoader.libraryName("linux-aarch64"));
    assertEquals("libet4j.dylib", NativeLoader.libraryName("macos-aarch64"));
  }

  @Test
  void supportedPlatformsWithAModernGlibcLoad() {
    assertNull(NativeLoader.unsupportedReason("linux-x86_64", "2.28"));
    assertNull(NativeLoader.unsupportedReason("linux-aarch64", "2.36"));
    assertNull(NativeLoader.unsupportedReason("macos-aarch64", null));
  }

  @Test
  void windowsIsToldWhichPlatformsExistAndWhy() {
    String why = NativeLoader.unsupportedReason("windows-x86_64", null);
    assertNotNull(why);
    assertTrue(why.contains("windows-x86_64"), why);
    for (String p : List.of("linux-x86_64", "linux-aarch64", "macos-aarch64")) {
      assertTrue(why.contains(p), why);
    }
    assertTrue(why.contains("Windows"), why);
  }

  @Test
  void intelMacsAreToldExecuTorchShipsArm64Only() {
    String why = NativeLoader.unsupportedReason("macos-x86_64", null);
    assertTrue(why.contains("macos-x86_64") && why.contains("arm64"), why);
  }

  @Test
  void muslIsRefusedWithTheReason() {
    String why = NativeLoader.unsupportedReason("linux-x86_64", null);
    assertTrue(why.contains("glibc 2.28") && why.contains("musl"), why);
  }

  @Test
  void glibcOlderThanTheWheelsFloorIsRefused() {
    String why = NativeLoader.unsupportedReason("linux-aarch64", "2.27");
    assertTrue(why.contains("2.27") && why.contains("2.28"), why);
    assertNull(NativeLoader.unsupportedReason("linux-aarch64", "2.28.9000"));
  }

  @Test
  void versionsCompareNumerically() {
    assertTrue(NativeLoader.compareVersions("2.9", "2.28") < 0);
    assertTrue(NativeLoader.compareVersions("2.34", "2.28") > 0);
    assertEquals(0, NativeLoader.compareVersions("2.28", "2.28.0"));
  }

  @Test
  void thisLinuxJvmReportsItsGlibc() {
    String v = NativeLoader.glibcVersion();
    assertNotNull(v, "glibc on this Linux test machine");
    assertTrue(v.matches("\\d+\\.\\d+.*"), v);
  }

  @Test
  void aVerifiedCacheFolderIsReusedAndAnyOtherOneRepaired(@TempDir Path root) throws Exception {
    String base =
        "/natives/"
            + NativeLoader.platform(System.getProperty("os.name"), System.getProperty("os.arch"))
            + "/";
    List<String[]> index = NativeLoader.readIndex(base + "index.txt");
    assertNotNull(index, "the test classpath carries this platform's natives");
    Path dir = NativeLoader.extract(base, index, root);
    assertIntact(dir, index);
    assertEquals(
        dir, NativeLoader.extract(base, index, root), "a second start finds the same folder");

    // A truncated file changes its size: the next start re-verifies and replaces it.
    Path lib = dir.resolve(index.get(0)[0]);
    Files.write(lib, new byte[10]);
    NativeLoader.extract(base, index, root);
    assertIntact(dir, index);

    // A marker that does not name this index (an older format, another index hashing to the
    // same folder) vouches for nothing: even a same-size replacement is found and repaired.
    Files.write(lib, new byte[(int) Files.size(lib)]);
    Path marker = dir.resolve(".verified");
    String text = Files.readString(marker);
    Files.writeString(marker, text.substring(text.indexOf('\n') + 1));
    NativeLoader.extract(base, index, root);
    assertIntact(dir, index);
  }

  private static void assertIntact(Path dir, List<String[]> index) throws Exception {
    for (String[] entry : index) {
      byte[] bytes = Files.readAllBytes(dir.resolve(entry[0]));
      assertEquals(
          entry[1],
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
          entry[0]);
    }
  }
}
