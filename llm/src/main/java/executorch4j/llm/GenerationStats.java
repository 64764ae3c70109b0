package executorch4j.llm;

/**
 * Timing of one generation (wall clock, {@code System.nanoTime}).
 *
 * @param promptTokens tokens fed to the model before the first new token (prompt, BOS, and the
 *     previous turn's last token in a chat)
 * @param generatedTokens new tokens sampled (a final stop token included)
 * @param prefillMillis time of the prefill forward calls
 * @param timeToFirstTokenMillis from the start of {@code generate} to the first new token
 *     (encoding, prefill and the first sampling)
 * @param decodeMillis time from the first new token to the last
 * @param decodeForwardMillis the part of {@code decodeMillis} spent in the program's forward calls
 *     (as seen from Java: ExecuTorch plus the FFM call and the output views)
 * @param totalMillis the whole call
 */
public record GenerationStats(
    int promptTokens,
    int generatedTokens,
    double prefillMillis,
    double timeToFirstTokenMillis,
    double decodeMillis,
    double decodeForwardMillis,
    double totalMillis) {

  /** Prompt tokens per second of prefill; 0 without prompt tokens. */
  public double prefillTokensPerSecond() {
    return prefillMillis > 0 ? promptTokens * 1000.0 / prefillMillis : 0;
  }

  /**
   * Decoded tokens per second after the first one (each costs one forward call); 0 if fewer than 2.
   */
  public double decodeTokensPerSecond() {
    return generatedTokens > 1 && decodeMillis > 0
        ? (generatedTokens - 1) * 1000.0 / decodeMillis
        : 0;
  }

  /**
   * Microseconds per decoded token spent outside the forward calls: sampling, detokenizing,
   * streaming (the listener included), stop checks. 0 if fewer than 2 tokens.
   */
  public double overheadMicrosPerToken() {
    return generatedTokens > 1
        ? (decodeMillis - decodeForwardMillis) * 1000.0 / (generatedTokens - 1)
        : 0;
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "prompt %d tokens, generated %d tokens, first token %.1f ms, prefill %.1f tok/s, decode %.1f tok/s",
        promptTokens,
        generatedTokens,
        timeToFirstTokenMillis,
        prefillTokensPerSecond(),
        decodeTokensPerSecond());
  }
}
