package executorch4j.llm;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Generates text with an ExecuTorch LLM program that keeps its KV cache inside the program (as
 * exported by ExecuTorch's LLM export with {@code use_kv_cache=True}): {@code forward(tokens
 * int64[1, n], input_pos int64[1]) -> logits float32[1, vocab]}.
 *
 * <p>A generation prefills the prompt (in chunks of the program's longest sequence) at the current
 * position, then decodes one token per forward call. The context is kept between calls: a second
 * {@code generate} continues the conversation (multi-turn chat) until {@link #resetContext()}.
 *
 * <p>Threads: {@code generate}, {@code resetContext} and {@code close} are serialized on this
 * object; {@link #cancel()} may be called from any thread and stops the running generation after
 * the token being produced. One generator per conversation; use several to run in parallel.
 */
public final class TextGenerator implements AutoCloseable {
  private final ExecuTorchModel model;
  private final boolean ownsModel;
  private final Tokenizer tokenizer;
  private final LlmMetadata metadata;
  private final Conversation conversation;

  private TextGenerator(
      ExecuTorchModel model, boolean ownsModel, Tokenizer tokenizer, LlmMetadata metadata) {
    this.model = model;
    this.ownsModel = ownsModel;
    this.tokenizer = tokenizer;
    this.metadata = metadata;
    this.conversation = new Conversation(model, tokenizer, metadata);
  }

  /** Loads a program with {@link LoadOptions#defaults()}. */
  public static TextGenerator load(Path pte, Tokenizer tokenizer) {
    return load(pte, tokenizer, LoadOptions.defaults());
  }

  /**
   * Loads an LLM program and checks that it can generate here.
   *
   * @throws ExecuTorchException {@code OPERATOR_MISSING} for programs exported with ExecuTorch's
   *     custom LLM operators (the message names the export flag to change), {@code NOT_SUPPORTED}
   *     for programs without a KV cache, and the errors of {@link ExecuTorchModel#load}
   */
  public static TextGenerator load(Path pte, Tokenizer tokenizer, LoadOptions options) {
    Objects.requireNonNull(pte, "pte");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(options, "options");
    LlmMetadata metadata = LlmChecks.metadata(pte);
    ExecuTorchModel model = ExecuTorchModel.load(pte, options);
    try {
      return new TextGenerator(model, true, tokenizer, metadata);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * A generator over a program loaded elsewhere (e.g. from a stream); {@link #close()} leaves the
   * model open. The caller must not run {@code forward} on it while generating: the KV cache is the
   * program's state.
   *
   * @param metadata the program's metadata, e.g. {@link LlmMetadata#read(java.nio.ByteBuffer)} of
   *     its bytes
   * @throws ExecuTorchException {@code NOT_SUPPORTED} for programs without a KV cache
   */
  public static TextGenerator of(ExecuTorchModel model, LlmMetadata metadata, Tokenizer tokenizer) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(tokenizer, "tokenizer");
    LlmChecks.requireKvCache(metadata, "the program");
    return new TextGenerator(model, false, tokenizer, metadata);
  }

  /** The program's metadata methods. */
  public LlmMetadata metadata() {
    return metadata;
  }

  /** The tokenizer this generator encodes and decodes with. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** Tokens in the context (KV cache positions in use). */
  public int position() {
    return conversation.cachePosition();
  }

  /** The underlying program (e.g. for {@code inferenceStats()}); do not close it. */
  public ExecuTorchModel model() {
    return model;
  }

  /**
   * Encodes {@code prompt} (without the tokenizer's template; the program's BOS is added when the
   * context is empty and {@link GenerationConfig#addBos()}) and generates after it.
   *
   * @throws IllegalArgumentException for an empty prompt on an empty context, or a prompt that does
   *     not fit the context left ({@link #resetContext()} frees it)
   */
  public GenerationResult generate(String prompt, GenerationConfig config, TokenListener listener) {
    Objects.requireNonNull(prompt, "prompt");
    long start = System.nanoTime();
    return conversation.generate(tokenizer.encode(prompt, false), config, listener, start);
  }

  /**
   * Generates after prompt token ids (BOS added as for {@link #generate(String, GenerationConfig,
   * TokenListener)}).
   *
   * @throws IllegalArgumentException also for an id outside the tokenizer's vocabulary
   */
  public GenerationResult generate(
      int[] promptIds, GenerationConfig config, TokenListener listener) {
    Objects.requireNonNull(promptIds, "promptIds");
    return conversation.generate(promptIds.clone(), config, listener, System.nanoTime());
  }

  /**
   * Stops the generation running now after its current token ({@link StopReason#CANCELLED}); safe
   * from any thread.
   *
   * @return whether a generation was running
   */
  public boolean cancel() {
    return conversation.cancel();
  }

  /** Forgets the conversation: the next generation starts at position 0 (with BOS). */
  public void resetContext() {
    conversation.reset();
  }

  /**
   * Closes the program (unless it came through {@link #of}); a running generation finishes first.
   */
  @Override
  public void close() {
    conversation.close(); // waits for a running generation
    if (ownsModel) model.close();
  }
}
