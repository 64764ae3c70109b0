package executorch4j.llm;

/** Why a generation ended. */
public enum StopReason {
  /** {@link GenerationConfig#maxNewTokens()} tokens were generated. */
  MAX_TOKENS,
  /** A stop token (or the program's EOS) was generated. */
  STOP_TOKEN,
  /** The text reached one of {@link GenerationConfig#stopStrings()}. */
  STOP_STRING,
  /** The KV cache is full ({@link LlmMetadata#maxContextLen()} positions). */
  CONTEXT_FULL,
  /** {@link TextGenerator#cancel()} was called. */
  CANCELLED
}
