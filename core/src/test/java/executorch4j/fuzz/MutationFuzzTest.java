package executorch4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ChildOutput;
import executorch4j.Crashers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mutation fuzzing of every fixture in forked JVMs: every case must end in success or an
 * ExecuTorchException. A crash fails the test and leaves its input in target/fuzz-crashers/ (never
 * in the source tree); once minimized and committed to fuzz/crashers, {@link #crashersStayFixed}
 * replays it forever. The bounded CI run is 80 cases per fixture; fuzz/run.sh runs more.
 */
class MutationFuzzTest {
  static final Path FIXTURES = Path.of("fixtures");
  static final Path FOUND = Path.of("target/fuzz-crashers");
  static final long SEED = Long.getLong("executorch4j.fuzz.seed", 20261125L);
  static final int CASES = Integer.getInteger("executorch4j.fuzz.cases", 80);

  @Test
  void everyMutationEndsInSuccessOrATypedException() throws Exception {
    var report = new FuzzDriver(FOUND, 300).runAll(FIXTURES, SEED, CASES);
    System.out.println(
        "mutation fuzzing: "
            + report.executed()
            + " of "
            + report.requested()
            + " cases ran, outcomes "
            + report.outcomes());
    assertEquals(
        fixtureCount() * CASES, report.requested(), "cases requested: " + CASES + " per fixture");
    assertEquals(
        report.requested(), report.executed(), "every requested case ran and reported its outcome");
    assertEquals(0, report.crashers().size(), "crashes (inputs saved): " + report.crashers());
    assertTrue(
        report.outcomes().keySet().stream().anyMatch(k -> !k.equals("OK")),
        "mutations were rejected");
  }

  private static int fixtureCount() throws IOException {
    try (var s = Files.list(FIXTURES)) {
      return (int) s.filter(p -> p.toString().endsWith(".pte")).count();
    }
  }

  /** The reproducers the facade's index check now rejects at load (fuzz/crashers/INDEX.tsv). */
  static Stream<Path> crashers() {
    List<Path> rejected = Crashers.where("rejected-at-load");
    assertEquals(25, rejected.size(), "fuzz/crashers/INDEX.tsv lists 25 programs rejected at load");
    return rejected.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("crashers")
  void crashersStayFixed(Path crasher) throws Exception {
    Process p = FuzzDriver.worker("--file", crasher.toString());
    ChildOutput.Ended child = ChildOutput.await(p, Duration.ofSeconds(120));
    String out = child.out().strip();
    assertEquals(0, child.exitCode(), out);
    assertTrue(out.endsWith("DONE"), out);
    assertTrue(
        out.contains("\nREJECTED "), "the facade rejects it with an ExecuTorchException: " + out);
  }
}
