package executorch4j.fuzz;

import executorch4j.internal.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@link FuzzWorker} in forked JVMs over every fixture. A worker that dies (signal, hs_err,
 * exit without DONE) or hangs names its case by the last START line: that input is saved under the
 * crashers folder and the run goes on from the next case. Also a command line: {@code FuzzDriver
 * FIXTURES_DIR CRASHERS_DIR SEED CASES_PER_FIXTURE}.
 */
public final class FuzzDriver {
  /**
   * What one run found: {@code requested} cases, {@code executed} of them seen to end (an OK or
   * REJECTED line from the worker, or a crash), their outcomes, and the inputs that crashed.
   */
  public record Report(
      int requested, int executed, Map<String, Integer> outcomes, List<Path> crashers) {}

  private final Path crashers;
  private final long timeoutSeconds;

  public FuzzDriver(Path crashers, long timeoutSeconds) {
    this.crashers = crashers;
    this.timeoutSeconds = timeoutSeconds;
  }

  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    var driver = new FuzzDriver(Path.of(args[1]), 600);
    long seed = Long.parseLong(args[2]);
    int cases = Integer.parseInt(args[3]);
    Report total = driver.runAll(fixtures, seed, cases);
    System.out.println(
        "cases "
            + total.executed()
            + " of "
            + total.requested()
            + " outcomes "
            + total.outcomes()
            + " crashers "
            + total.crashers());
    System.exit(total.crashers().isEmpty() ? 0 : 1);
  }

  public Report runAll(Path fixtures, long seed, int casesPerFixture)
      throws IOException, InterruptedException {
    List<Path> files;
    try (var s = Files.list(fixtures)) {
      files = s.filter(p -> p.toString().endsWith(".pte")).sorted().toList();
    }
    int requested = 0;
    int executed = 0;
    Map<String, Integer> outcomes = new TreeMap<>();
    List<Path> found = new ArrayList<>();
    for (Path f : files) {
      Report r = run(f, seed, casesPerFixture);
      requested += r.requested();
      executed += r.executed();
      r.outcomes().forEach((k, v) -> outcomes.merge(k, v, Integer::sum));
      found.addAll(r.crashers());
    }
    return new Report(requested, executed, outcomes, found);
  }

  /** Runs cases [0, count) of one fixture, restarting the worker after each crash. */
  public Report run(Path fixture, long seed, int count) throws IOException, InterruptedException {
    byte[] original = Files.readAllBytes(fixture);
    String name = fixture.getFileName().toString().replace(".pte", "");
    Map<String, Integer> outcomes = new TreeMap<>();
    List<Path> found = new ArrayList<>();
    int next = 0;
    while (next < count) {
      Process p =
          worker(
              fixture.toString(),
              Long.toString(seed),
              Integer.toString(next),
              Integer.toString(count - next));
      int started = -1;
      boolean done = false;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        Thread killer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                          p.destroyForcibly();
                        }
                      } catch (InterruptedException ignored) {
                        p.destroyForcibly();
                      }
                    });
        for (String line; (line = out.readLine()) != null; ) {
          String[] parts = line.split(" ");
          switch (parts[0]) {
            case "START" -> started = Integer.parseInt(parts[1]);
            case "OK" -> outcomes.merge("OK", 1, Integer::sum);
            case "REJECTED" -> outcomes.merge(parts.length > 2 ? parts[2] : "?", 1, Integer::sum);
            case "DONE" -> done = true;
            default -> {}
          }
        }
        p.waitFor();
        killer.interrupt();
      }
      if (done && p.exitValue() == 0) {
        break;
      }
      // The worker died in case `started`: keep the input as a regression test.
      int k = Math.max(started, next);
      Files.createDirectories(crashers);
      Path crash =
          crashers.resolve(name + "-s" + seed + "-c" + k + "-" + Mutations.kind(k) + ".pte");
      Files.write(crash, Mutations.mutate(original, seed, k));
      found.add(crash);
      outcomes.merge("CRASH", 1, Integer::sum);
      next = k + 1;
    }
    int executed = outcomes.values().stream().mapToInt(Integer::intValue).sum();
    return new Report(count, executed, outcomes, found);
  }

  /** A JVM like this one (same classpath, native access), running FuzzWorker. */
  public static Process worker(String... args) throws IOException {
    List<String> cmd =
        ChildJvm.command(
            FuzzWorker.class,
            List.of(
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-XX:ErrorFile="
                    + System.getProperty("java.io.tmpdir")
                    + "/executorch4j-fuzz-hs_err_%p.log",
                "-Dexecutorch4j.fuzz.isolated=" + Boolean.getBoolean("executorch4j.fuzz.isolated")),
            List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }
}
