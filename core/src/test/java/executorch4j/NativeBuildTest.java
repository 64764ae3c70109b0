package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The tests run against the facade they were meant for: scripts/test.sh's sanitizer run sets {@code
 * -Dexecutorch4j.expect.sanitized=true} and must load the ASan/UBSan build; every other run must
 * load the Release build. Without this, a run that silently fell back to the Release library would
 * pass while checking nothing.
 */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class NativeBuildTest {
  @Test
  void theLoadedFacadeIsTheBuildThisRunExpects() {
    boolean expected = Boolean.getBoolean("executorch4j.expect.sanitized");
    String version = ExecuTorchRuntime.version();
    String library = ExecuTorchRuntime.nativeLibrary();
    System.out.println("facade loaded: " + library + " (" + version + ")");
    assertTrue(version.startsWith("executorch4j-facade "), version);
    assertEquals(
        expected,
        version.endsWith(" +asan"),
        (expected
                ? "expected the sanitized facade, loaded "
                : "expected the Release facade, loaded ")
            + library
            + " ("
            + version
            + ")");
  }

  /**
   * The library loaded is machine code for the architecture this JVM runs on, read from the file's
   * own header (ELF e_machine, Mach-O cputype): on linux-aarch64 under qemu-user the jar's
   * natives/linux-aarch64 was picked, not another platform's folder.
   */
  @Test
  void theLoadedFacadeIsMachineCodeForThisJvmsArchitecture() throws IOException {
    ExecuTorchRuntime.version();
    Path library = Path.of(ExecuTorchRuntime.nativeLibrary());
    ByteBuffer header =
        ByteBuffer.wrap(Files.readAllBytes(library), 0, 64).order(ByteOrder.LITTLE_ENDIAN);
    String arch = System.getProperty("os.arch");
    String found;
    if (header.getInt(0) == 0x464c457f) { // "\x7fELF"
      int machine = Short.toUnsignedInt(header.getShort(18));
      found = machine == 0x3e ? "x86_64" : machine == 0xb7 ? "aarch64" : "ELF machine " + machine;
    } else if (header.getInt(0) == 0xfeedfacf) { // MH_MAGIC_64
      int cpu = header.getInt(4);
      found = cpu == 0x0100000c ? "aarch64" : cpu == 0x01000007 ? "x86_64" : "Mach-O cpu " + cpu;
    } else {
      found = "unknown format";
    }
    System.out.println("facade architecture: " + found + " (os.arch " + arch + ")");
    assertEquals(arch.equals("amd64") ? "x86_64" : arch, found, library.toString());
  }
}
