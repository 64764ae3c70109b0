package executorch4j.cli;

import executorch4j.ExecuTorchException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code executorch4j} command line: inspect, run and demo.
 *
 * <p>Exit codes: 0 success, 1 a model or runtime error, 2 a usage error.
 */
public final class Main {
  static final String USAGE =
      """
      usage: executorch4j <command> [options]

        inspect MODEL.pte [--json] [--isolated] [--op-library LIB.so]...
            print the methods, input/output metadata, operators (and which have no kernel),
            and data segments
        inspect --runtime [--json]
            print the runtime's delegate backends and the operators it has kernels for
        --op-library LIB.so  (inspect, run, bench; repeatable) load a native library of custom
            operator kernels first
        run MODEL.pte [--method NAME] [--input V1,V2,...]... [--random] [--json] [--isolated]
                      [--level NONE|BASIC|AGGRESSIVE] [--pool BYTES]
                      [--profile] [--trace OUT.json] [--etdump OUT.etdump]
            run a method; each --input gives one input's values in order, reshaped to its
            declared shape; --random fills every input with seeded values; --pool runs in
            one STATIC pool; --profile prints per-operator times, --trace writes a Chrome
            trace (Perfetto), --etdump an ETDump for ExecuTorch's devtools
        --isolated  (untrusted models) load and run the model in a sandboxed worker process:
            a crash or hang in the runtime fails with WORKER_CRASHED / TIMEOUT (60 s per call)
        bench MODEL.pte [--method NAME] [--iterations N] [--warmup N] [--level L] [--threads T]
            time forward on seeded inputs: mean, p50, p90, p99
      """
          + GenerateCommand.USAGE
          + """
        demo
            run the bundled linear-regression model (y = 2x + 3) over the spec table
        version
            print library and runtime versions
      """;

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new Main(System.out, System.err).run(args));
  }

  /** Usage errors. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  int run(String[] args) {
    try {
      if (args.length == 0) {
        throw new UsageException("missing command");
      }
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      switch (args[0]) {
        case "inspect" -> new InspectCommand(out).run(rest);
        case "run" -> new RunCommand(out, err).run(rest);
        case "bench" -> new BenchCommand(out, err).run(rest);
        case "generate" -> new GenerateCommand(out, err, System.in).run(rest);
        case "demo" -> new DemoCommand(out).run();
        case "version" -> out.println(executorch4j.ExecuTorchRuntime.version());
        case "-h", "--help", "help" -> out.print(USAGE);
        default -> throw new UsageException("unknown command '" + args[0] + "'");
      }
      return 0;
    } catch (UsageException e) {
      err.println("executorch4j: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (ExecuTorchException
        | IllegalArgumentException e) { // refused by the runtime, or bad input data
      err.println("executorch4j: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("executorch4j: " + e);
      return 1;
    }
  }

  // ---------------------------------------------------------------- options
}
