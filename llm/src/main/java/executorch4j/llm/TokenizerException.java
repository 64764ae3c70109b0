package executorch4j.llm;

/**
 * A tokenizer file that is not what its format says (malformed JSON, a tokenizer.json without its
 * model, a tiktoken line that is not "base64 rank", a rank used twice, a bad special token). It is
 * the data's fault, not the runtime's (nothing ran), so it is an {@link IllegalArgumentException},
 * like every caller or data mistake in this library; what the runtime or the model refuses is an
 * {@link executorch4j.ExecuTorchException}.
 */
public final class TokenizerException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
