package executorch4j.fuzz;

import executorch4j.Isolation;
import executorch4j.LoadAndRun;
import executorch4j.LoadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs mutation cases in this (forked) JVM and reports each on stdout before and after, so the
 * parent knows which case a crash happened in. Usage: {@code FuzzWorker FIXTURE.pte SEED FIRST
 * COUNT} or {@code FuzzWorker --file CASE.pte}. Lines: {@code START k}, then {@code OK k} (loaded
 * and ran) or {@code REJECTED k CODE} (a typed exception); {@code DONE} at the end. Anything else
 * escaping is a bug.
 */
public final class FuzzWorker {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("--file")) {
      System.out.println("START 0");
      System.out.println(runCase(Files.readAllBytes(Path.of(args[1]))) + " 0");
      System.out.println("DONE");
      return;
    }
    byte[] original = Files.readAllBytes(Path.of(args[0]));
    long seed = Long.parseLong(args[1]);
    int first = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    for (int k = first; k < first + count; k++) {
      System.out.println("START " + k);
      System.out.flush();
      String result = runCase(Mutations.mutate(original, seed, k));
      System.out.println(result.replace(" ", " " + k + " ").replaceFirst("^(\\w+)$", "$1 " + k));
      System.out.flush();
    }
    System.out.println("DONE");
  }

  /**
   * With {@code -Dexecutorch4j.fuzz.isolated=true} (fuzz/run.sh --isolated) cases run in a worker
   * process.
   */
  static final boolean ISOLATED = Boolean.getBoolean("executorch4j.fuzz.isolated");

  private static final LoadOptions OPTIONS =
      ISOLATED
          ? LoadOptions.defaults()
              .withIsolation(Isolation.PROCESS)
              .withCallTimeout(Duration.ofSeconds(60))
          : LoadOptions.defaults();

  /** "OK" or "REJECTED CODE"; throws for anything that is not an ExecuTorchException. */
  static String runCase(byte[] bytes) {
    return LoadAndRun.once(bytes, OPTIONS);
  }
}
