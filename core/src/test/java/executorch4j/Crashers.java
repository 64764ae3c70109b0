package executorch4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The committed fuzzing reproducers (fuzz/crashers), chosen by what their index says they do. */
public final class Crashers {
  public static final Path DIR = Path.of("fuzz/crashers");

  private Crashers() {}

  /** The reproducers whose {@code in_jvm} column starts with {@code verdict}, e.g. "kills-jvm". */
  public static List<Path> where(String verdict) {
    try {
      List<String> rows = Files.readAllLines(DIR.resolve("INDEX.tsv"));
      if (!rows.getFirst().split("\t")[3].equals("in_jvm")) {
        throw new IllegalStateException(
            "INDEX.tsv's fourth column is not in_jvm: " + rows.getFirst());
      }
      return rows.stream()
          .skip(1)
          .map(r -> r.split("\t"))
          .filter(c -> c[3].startsWith(verdict))
          .map(c -> DIR.resolve(c[0]))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
