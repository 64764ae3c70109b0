package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The tests run against the facade they were meant for: scripts/test.sh's sanitizer run sets
 * {@code -Dexecutorch4j.expect.sanitized=true} and must load the ASan/UBSan build; every other
 * run must load the Release build. Without this, a run that silently fell back to the Release
 * library would pass while checking nothing.
 */
class NativeBuildTest {
  @Test
  void theLoadedFacadeIsTheBuildThisRunExpects() {
    boolean expected = Boolean.getBoolean("executorch4j.expect.sanitized");
    String version = ExecuTorchRuntime.version();
    String library = ExecuTorchRuntime.nativeLibrary();
    System.out.println("facade loaded: " + library + " (" + version + ")");
    assertTrue(version.startsWith("executorch4j-facade "), version);
    assertEquals(expected, version.endsWith(" +asan"),
        (expected ? "expected the sanitized facade, loaded " : "expected the Release facade, loaded ") + library
            + " (" + version + ")");
  }
}
