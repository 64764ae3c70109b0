package executorch4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The confinement the worker process of an isolated model got ({@link ExecuTorchModel#sandbox()}),
 * as the kernel reports it in {@code /proc}: read by this process, never taken from the worker's
 * word.
 *
 * @param seccompFilters seccomp filters on the worker: 2 when sandboxed (the load-stage filter, set
 *     before the program is read, and the execute-stage one stacked on it once its methods are
 *     loaded), 0 when {@link LoadOptions#withSandbox(boolean)} is off
 * @param noNewPrivileges {@code no_new_privs} is set (no setuid or file capability can raise it)
 * @param ownMountNamespace the worker is in a mount namespace of its own (a user namespace too)
 * @param emptyRoot its root directory is an empty read-only tmpfs: no path of this machine resolves
 *     in it. False where the kernel refuses unprivileged user namespaces (the seccomp filters still
 *     refuse every path-taking system call)
 */
public record Sandbox(
    int seccompFilters, boolean noNewPrivileges, boolean ownMountNamespace, boolean emptyRoot) {

  /** Reads what the kernel says about process {@code pid} (a worker of this process). */
  static Sandbox of(int pid) {
    Path proc = Path.of("/proc", Integer.toString(pid));
    int filters = 0;
    boolean noNewPrivs = false;
    try {
      for (String line : Files.readAllLines(proc.resolve("status"))) {
        if (line.startsWith("Seccomp_filters:")) {
          filters = Integer.parseInt(line.substring(16).trim());
        } else if (line.startsWith("NoNewPrivs:")) {
          noNewPrivs = line.substring(11).trim().equals("1");
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new ExecuTorchException(
          ErrorCode.WORKER_CRASHED, "cannot read the worker's status (pid " + pid + "): " + e, e);
    }
    boolean ownNamespace = false;
    boolean empty = false;
    try {
      ownNamespace =
          !Files.readSymbolicLink(proc.resolve("ns/mnt"))
              .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
      try (Stream<Path> entries = Files.list(proc.resolve("root"))) {
        empty = ownNamespace && entries.findAny().isEmpty();
      }
    } catch (IOException | SecurityException e) {
      // Not readable here: reported as absent rather than guessed.
    }
    return new Sandbox(filters, noNewPrivs, ownNamespace, empty);
  }

  /** Whether both seccomp stages and no_new_privs are in place. */
  public boolean filtered() {
    return seccompFilters >= 2 && noNewPrivileges;
  }

  @Override
  public String toString() {
    List<String> layers = new ArrayList<>();
    layers.add(
        seccompFilters == 0
            ? "no seccomp filter"
            : seccompFilters + " seccomp filters (load, execute)");
    layers.add(noNewPrivileges ? "no_new_privs" : "privileges not locked");
    layers.add(
        emptyRoot
            ? "an empty root in its own mount namespace"
            : ownMountNamespace
                ? "its own mount namespace (root not emptied)"
                : "the host's file system view (no user namespace)");
    return "Sandbox[" + String.join(", ", layers) + "]";
  }
}
