package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.internal.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * fixtures/custom_op.pte under its real operator name, executorch4j_test::mul3.out, with a Java
 * kernel and with a native operator library built here by CMake; each in a fresh JVM ({@link
 * CustomOpWorker}), since a kernel cannot be unregistered and ExecuTorch aborts a process that
 * registers one name twice. Outputs must equal custom_op.pte's PyTorch-eager golden.
 */
class CustomOperatorProcessTest {
  @Test
  void customOpRunsWithAJavaKernel() throws Exception {
    List<String> lines = runWorker(List.of("java"));
    assertGoldenOutputs(lines);
  }

  @Test
  void customOpRunsWithANativeOperatorLibraryBuiltByCmake() throws Exception {
    Path library = CustomOps.buildMul3Library();
    List<String> lines = runWorker(List.of("library", library.toString()));
    assertTrue(lines.contains("ADDED 1"), "the library registers one kernel: " + lines);
    assertGoldenOutputs(lines);
  }

  private static void assertGoldenOutputs(List<String> lines) {
    assertTrue(lines.contains("MISSING_BEFORE [" + CustomOps.MUL3 + "]"), lines.toString());
    assertTrue(lines.contains("MISSING_AFTER []"), lines.toString());
    assertTrue(lines.contains("REGISTERED true"), lines.toString());
    assertEquals("DONE", lines.get(lines.size() - 1), lines.toString());
    List<String> outputs = lines.stream().filter(l -> l.startsWith("OUTPUT ")).toList();
    Fixtures.Golden golden = Fixtures.golden("custom_op");
    assertEquals(new Fixtures.Tolerance(0, 0), golden.tolerance(), "compared bit for bit below");
    List<Fixtures.Case> cases = golden.methods().get("forward").cases();
    assertEquals(cases.size(), outputs.size(), lines.toString());
    for (int c = 0; c < cases.size(); c++) {
      Fixtures.Value expected = cases.get(c).outputs().get(0);
      StringBuilder want =
          new StringBuilder("OUTPUT ")
              .append(expected.dtype())
              .append(' ')
              .append(java.util.Arrays.toString(expected.shape()).replace(" ", ""));
      for (double v : expected.data()) {
        want.append(' ').append(Float.floatToRawIntBits((float) v)); // golden tolerance is exact
      }
      assertEquals(want.toString(), outputs.get(c), "case " + c);
    }
  }

  private static List<String> runWorker(List<String> args) throws Exception {
    Process p =
        ChildJvm.start(
            CustomOpWorker.class, List.of("-Dexecutorch4j.fixtures=" + Fixtures.DIR), args);
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(120));
    String out = child.out();
    assertEquals(0, child.exitCode(), "worker failed:\n" + out);
    return new ArrayList<>(out.lines().toList());
  }
}
