package executorch4j.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a class's {@code main} in a fresh JVM: the same Java, the same classpath, native access
 * on. Used wherever a crash must not reach this process (the isolated check, fuzz workers, leak
 * measurements).
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** The command line: {@code java --enable-native-access=ALL-UNNAMED FLAGS -cp CP MAIN ARGS}. */
  public static List<String> command(Class<?> main, List<String> jvmFlags, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    return cmd;
  }

  /** Starts it with stderr merged into stdout and stdin closed. */
  public static Process start(Class<?> main, List<String> jvmFlags, List<String> args)
      throws IOException {
    Process p = new ProcessBuilder(command(main, jvmFlags, args)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    return p;
  }
}
