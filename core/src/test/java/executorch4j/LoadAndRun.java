package executorch4j;

/**
 * Test access to what the isolated check's child does, for test code outside this package (the fuzz
 * workers).
 */
public final class LoadAndRun {
  private LoadAndRun() {}

  /**
   * Loads {@code bytes} with {@code options}, runs every method once on zeros: {@code "OK"} or
   * {@code "REJECTED <ErrorCode>"}.
   */
  public static String once(byte[] bytes, LoadOptions options) {
    return IsolatedCheckChild.loadAndRunOnce(bytes, options);
  }
}
