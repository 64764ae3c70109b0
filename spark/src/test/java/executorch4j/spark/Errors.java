package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.fail;

/** Finds the library's exception inside what Spark throws from a failed job. */
final class Errors {
  private Errors() {}

  static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    fail("no " + type.getSimpleName() + " in the causes of " + t);
    return null;
  }
}
