package executorch4j.llm;

/**
 * Receives generated text as it is decoded, on the generating thread. Each piece is whole
 * characters: a UTF-8 character split across tokens is delivered once complete. Text that may start
 * a stop string is held back until it is known not to.
 */
@FunctionalInterface
public interface TokenListener {
  /**
   * Called with the next piece of text. An exception thrown here ends the generation and is
   * rethrown by {@code generate}.
   */
  void onPiece(String piece);

  /** A listener that ignores the text. */
  static TokenListener none() {
    return piece -> {};
  }
}
