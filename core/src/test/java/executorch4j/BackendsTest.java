package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import executorch4j.internal.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backends as a first-class concept: {@link ExecuTorchRuntime#backends()} says which can run here
 * and how to get the others, and fixtures/mlp_openvino.pte (the MLP lowered with
 * OpenvinoPartitioner) fails with BACKEND_UNAVAILABLE naming the fix when OpenVINO's runtime is
 * absent, and matches its PyTorch-eager goldens when it is present. Each OpenVINO case runs in a
 * fresh JVM ({@link BackendsProbe}): a loaded backend cannot be unloaded.
 *
 * <p>The present case needs OpenVINO {@value Backends#OPENVINO_VERSION}'s runtime unpacked from its
 * PyPI wheel into {@code .cache/openvino-<version>-<platform>} by {@code scripts/setup-openvino.sh
 * runtime} (scripts/test.sh's build step runs it); it fails, never skips, when that folder is
 * missing. {@code -Dexecutorch4j.test.openvino} names another folder.
 */
class BackendsTest {
  static final Path OPENVINO_RUNTIME =
      Path.of(
              System.getProperty(
                  "executorch4j.test.openvino",
                  ".cache/openvino-"
                      + Backends.OPENVINO_VERSION
                      + "-"
                      + executorch4j.internal.NativeLoader.platform(
                          System.getProperty("os.name"), System.getProperty("os.arch"))
                      + "/openvino/libs"))
          .toAbsolutePath();

  @Test
  void everyKnownBackendIsListedWithItsStatus() {
    List<Backend> backends = ExecuTorchRuntime.backends();
    List<String> names = backends.stream().map(Backend::name).toList();
    assertEquals(
        List.of("XnnpackBackend", "OpenvinoBackend", "CoreMLBackend", "MLXBackend"),
        names.subList(0, 4),
        backends.toString());
    Backend xnnpack = backends.get(0);
    assertTrue(xnnpack.available(), xnnpack.toString());
    assertEquals("XnnpackBackend: available — linked into the runtime", xnnpack.toString());
    for (Backend apple : backends.subList(2, 4)) {
      assertFalse(apple.available(), apple.toString()); // this test runs on Linux
      assertTrue(apple.detail().contains("macOS"), apple.toString());
    }
  }

  @Test
  void anUnknownBackendIsReportedUnavailable() {
    Backend b = ExecuTorchRuntime.backend("BackendWithCompilerDemo");
    assertFalse(b.available());
    assertTrue(b.detail().contains("not a backend executorch4j knows"), b.toString());
  }

  /** pip's wheel ships only libopenvino_c.so.<n>, which the backend's own dlopen cannot find. */
  @Test
  void theLocatorFindsTheVersionedNamePipShipsAndPrefersThePlainOne(@TempDir Path dir)
      throws Exception {
    assertEquals(null, Backends.findIn(dir));
    Files.writeString(dir.resolve("libopenvino_c.so.2641"), "");
    Files.writeString(dir.resolve("libopenvino_c.so.2641.txt"), ""); // not a library name
    assertEquals(dir.resolve("libopenvino_c.so.2641"), Backends.findIn(dir));
    Files.writeString(dir.resolve("libopenvino_c.so"), "");
    assertEquals(dir.resolve("libopenvino_c.so"), Backends.findIn(dir));
  }

  /** The explicit option wins over everything else, as a folder or as the file itself. */
  @Test
  void theExplicitOptionIsLookedAtFirst(@TempDir Path dir) throws Exception {
    Path lib = Files.writeString(dir.resolve("libopenvino_c.so.2641"), "");
    String before = System.setProperty(Backends.OPENVINO_LIB_PROPERTY, dir.toString());
    try {
      assertEquals(
          new Backends.Located(lib, "-D" + Backends.OPENVINO_LIB_PROPERTY),
          Backends.locateOpenvino());
      System.setProperty(Backends.OPENVINO_LIB_PROPERTY, lib.toString());
      assertEquals(lib, Backends.locateOpenvino().file());
      System.setProperty(Backends.OPENVINO_LIB_PROPERTY, dir.resolve("nope").toString());
      Backends.Located none = Backends.locateOpenvino();
      assertEquals(null, none.file(), "set but wrong: no fallback to other places");
      assertTrue(none.how().endsWith("/nope: no libopenvino_c.so there"), none.how());
    } finally {
      if (before == null) {
        System.clearProperty(Backends.OPENVINO_LIB_PROPERTY);
      } else {
        System.setProperty(Backends.OPENVINO_LIB_PROPERTY, before);
      }
    }
  }

  /** The worker process does not load optional backends: it says so instead of crashing. */
  @Test
  void anIsolatedWorkerRefusesAnOpenvinoProgramNamingTheBackend() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecuTorchException.class,
            () ->
                ExecuTorchModel.load(
                    Fixtures.pte("mlp_openvino"),
                    LoadOptions.defaults().withIsolation(Isolation.PROCESS)));
    assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.errorCode(), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "method 'forward' is delegated to backend OpenvinoBackend, which isolated workers"),
        e.getMessage());
    assertTrue(e.getMessage().contains("load it in process"), e.getMessage());
  }

  @Test
  void withoutOpenvinoTheProgramFailsWithBackendUnavailableNamingTheFix(@TempDir Path empty)
      throws Exception {
    List<String> lines = probe(empty, "MMAP");
    String expectedReason = "-Dexecutorch4j.openvino.lib=" + empty + ": no libopenvino_c.so there";
    String listed = line(lines, "BACKEND OpenvinoBackend");
    assertTrue(
        listed.startsWith("BACKEND OpenvinoBackend: unavailable — " + expectedReason), listed);
    assertTrue(listed.contains("pip install openvino==" + Backends.OPENVINO_VERSION), listed);
    String error = line(lines, "ERROR ");
    assertTrue(error.startsWith("ERROR BACKEND_UNAVAILABLE "), error);
    assertTrue(
        error.contains(
            "method 'forward' is delegated to backend OpenvinoBackend, which is unavailable here: "
                + expectedReason),
        error);
    assertTrue(error.contains("or set OPENVINO_LIB_PATH"), error);
    assertFalse(lines.contains("MAPPED_AT_END true"), "nothing of OpenVINO was loaded: " + lines);
  }

  /** A file that is not OpenVINO's library: found, handed to the backend, which refuses it. */
  @Test
  void aRuntimeTheBackendCannotOpenIsNamedInTheError(@TempDir Path dir) throws Exception {
    Path fake = Files.writeString(dir.resolve("libopenvino_c.so"), "not an ELF file");
    List<String> lines = probe(dir, "MMAP");
    String error = line(lines, "ERROR ");
    assertTrue(error.startsWith("ERROR BACKEND_UNAVAILABLE "), error);
    assertTrue(
        error.contains(
            "delegated to backend OpenvinoBackend, which reports itself unavailable with the"
                + " OpenVINO runtime "
                + fake),
        error);
    assertTrue(error.contains("pip install openvino=="), error);
  }

  @Test
  void withOpenvinoTheProgramMatchesItsGoldens() throws Exception {
    requireRuntime();
    // Mapped explicitly: the load mode in which a freed delegate blob crashed (ProgramLoader.load).
    List<String> lines = probe(OPENVINO_RUNTIME, "MMAP");
    // A process that has not loaded an OpenVINO program has none of it mapped.
    assertTrue(lines.contains("MAPPED_AT_START false"), lines.toString());
    assertTrue(lines.contains("MAPPED_AFTER_LIST false"), lines.toString());
    assertTrue(lines.contains("MAPPED_AFTER_XNNPACK_MODEL false"), lines.toString());
    String listed = line(lines, "BACKEND OpenvinoBackend");
    assertTrue(listed.startsWith("BACKEND OpenvinoBackend: available — OpenVINO runtime "), listed);
    assertTrue(lines.contains("LOADED [OpenvinoBackend]"), lines.toString());
    assertTrue(line(lines, "BACKEND_AFTER_LOAD").contains("available — loaded"), lines.toString());
    assertTrue(lines.contains("MAPPED_AT_END true"), lines.toString());
    double worst = assertGoldenOutputs(lines);
    System.out.println("mlp_openvino: max |error| vs PyTorch eager = " + worst);
  }

  /**
   * With no option and no OPENVINO_LIB_PATH, a pip-installed openvino in the active virtualenv
   * ($VIRTUAL_ENV) is found: its openvino/libs is the cached runtime, linked into a fake venv.
   */
  @Test
  void aPipInstalledOpenvinoInTheActiveVirtualenvIsFound(@TempDir Path venv) throws Exception {
    requireRuntime();
    Path sitePackages = venv.resolve("lib/python3.11/site-packages/openvino");
    Files.createDirectories(sitePackages);
    Files.createSymbolicLink(sitePackages.resolve("libs"), OPENVINO_RUNTIME);
    ProcessBuilder pb =
        new ProcessBuilder(
                ChildJvm.command(
                    BackendsProbe.class,
                    List.of("-Dexecutorch4j.fixtures=" + Fixtures.DIR),
                    List.of("MMAP")))
            .redirectErrorStream(true);
    pb.environment().remove("OPENVINO_LIB_PATH");
    pb.environment().remove("LD_LIBRARY_PATH");
    pb.environment().put("VIRTUAL_ENV", venv.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(120));
    assertEquals(0, child.exitCode(), child.out());
    List<String> lines = child.out().lines().toList();
    String listed = line(lines, "BACKEND OpenvinoBackend");
    assertTrue(
        listed.endsWith(
            "(pip package openvino in "
                + venv.resolve("lib/python3.11/site-packages")
                + "),"
                + " loaded on first use"),
        listed);
    assertGoldenOutputs(lines);
  }

  /**
   * A streamed channel is read into program-owned memory as well (ProgramLoader.load). Without that
   * its segments are heap buffers freed early, which may still give right outputs: this checks the
   * streamed path loads and runs, not the copy.
   */
  @Test
  void aStreamedOpenvinoProgramMatchesItsGoldensToo() throws Exception {
    requireRuntime();
    assertGoldenOutputs(probe(OPENVINO_RUNTIME, "CHANNEL"));
  }

  private static void requireRuntime() {
    if (Backends.findIn(OPENVINO_RUNTIME) == null) {
      fail(
          "OpenVINO's runtime is not at "
              + OPENVINO_RUNTIME
              + ": run scripts/setup-openvino.sh runtime (scripts/test.sh build does)");
    }
  }

  /** Each OUTPUT line within the golden tolerance of its case; returns the largest error. */
  private static double assertGoldenOutputs(List<String> lines) {
    Fixtures.Golden golden = Fixtures.golden("mlp_openvino");
    List<Fixtures.Case> cases = golden.methods().get("forward").cases();
    List<String> outputs = lines.stream().filter(l -> l.startsWith("OUTPUT ")).toList();
    assertEquals(cases.size(), outputs.size(), lines.toString());
    double worst = 0;
    for (int c = 0; c < cases.size(); c++) {
      String[] got = outputs.get(c).split(" ");
      assertEquals("float32", got[1], outputs.get(c));
      double[] want = cases.get(c).outputs().get(0).data();
      assertEquals(want.length, got.length - 2, outputs.get(c));
      for (int i = 0; i < want.length; i++) {
        double v = Double.parseDouble(got[i + 2]);
        double limit = golden.tolerance().atol() + golden.tolerance().rtol() * Math.abs(want[i]);
        worst = Math.max(worst, Math.abs(v - want[i]));
        assertTrue(
            Math.abs(v - want[i]) <= limit,
            "case " + c + " [" + i + "]: expected " + want[i] + " +- " + limit + ", got " + v);
      }
    }
    return worst;
  }

  private static String line(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseGet(() -> fail("no line starting " + prefix + " in " + lines));
  }

  /** Runs {@link BackendsProbe} with OpenVINO's runtime looked for at {@code openvinoLib} only. */
  private static List<String> probe(Path openvinoLib, String loadMode) throws Exception {
    assertTrue(Files.exists(openvinoLib), openvinoLib.toString());
    Process p =
        ChildJvm.start(
            BackendsProbe.class,
            List.of(
                "-Dexecutorch4j.fixtures=" + Fixtures.DIR,
                "-D" + Backends.OPENVINO_LIB_PROPERTY + "=" + openvinoLib),
            List.of(loadMode));
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(120));
    String out = child.out();
    assertEquals(0, child.exitCode(), "probe failed:\n" + out);
    List<String> lines = new ArrayList<>(out.lines().toList());
    assertEquals("DONE", lines.get(lines.size() - 1), out);
    return lines;
  }
}
