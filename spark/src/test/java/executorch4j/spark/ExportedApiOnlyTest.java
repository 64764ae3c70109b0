package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The spark module uses core's exported API only. It cannot be a named module (Spark's jars have no
 * Automatic-Module-Name and their file names give no valid one, e.g. spark.sql.2.13, and
 * org.apache.spark.sql is split over several jars), so no module-info can keep it out of core's
 * unexported executorch4j.internal: this test does, reading every compiled main class's constant
 * pool for a reference into that package.
 */
class ExportedApiOnlyTest {
  @Test
  void noMainClassReferencesCoresInternalPackage() throws Exception {
    Path classes =
        Path.of(ExecuTorchUdf.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes), "spark's main classes are a directory here: " + classes);
    List<String> reaching;
    int scanned;
    try (Stream<Path> files = Files.walk(classes)) {
      List<Path> all = files.filter(f -> f.toString().endsWith(".class")).toList();
      scanned = all.size();
      reaching =
          all.stream()
              .filter(ExportedApiOnlyTest::referencesInternal)
              .map(f -> classes.relativize(f).toString())
              .toList();
    }
    assertTrue(scanned > 5, "classes scanned: " + scanned);
    assertEquals(List.of(), reaching, "classes that reach into executorch4j.internal");
  }

  private static boolean referencesInternal(Path classFile) {
    try {
      return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
          .contains("executorch4j/internal/");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
