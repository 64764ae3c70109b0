package executorch4j.llm;

/**
 * The outcome of one {@link TextGenerator#generate} call.
 *
 * @param text the generated text (stop token and stop string excluded); equals the concatenation of
 *     the pieces streamed to the listener
 * @param tokenIds the generated ids; a stop token that ended the generation is not included
 * @param stopReason why it ended
 * @param stats timing
 */
public record GenerationResult(
    String text, int[] tokenIds, StopReason stopReason, GenerationStats stats) {
  public GenerationResult {
    tokenIds = tokenIds.clone();
  }

  @Override
  public int[] tokenIds() {
    return tokenIds.clone();
  }
}
