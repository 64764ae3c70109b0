package executorch4j.llm;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One conversation of an {@link LlmModel}: its own KV cache (its own instance of the program's
 * forward) and position. Generations continue the context, which {@link #rewind}, {@link #reset}
 * and {@link #fork} change.
 *
 * <p>The context is every token given to or produced by the session: prompts (with BOS) and
 * generated tokens, the stop token included when one ended a generation. {@link #position()} counts
 * them.
 *
 * <p>Threads: calls on one session are serialized ({@link #cancel()} excepted); different sessions
 * run in parallel. Closing a session does not affect the others.
 */
public final class LlmSession implements AutoCloseable {
  private static final AtomicLong IDS = new AtomicLong();
  private final long id = IDS.incrementAndGet(); // lock order of copyFrom
  private final ExecuTorchModel model; // this session's own instance
  private final Tokenizer tokenizer;
  private final LlmMetadata metadata;
  private final Conversation conversation;
  private boolean closed;

  private LlmSession(ExecuTorchModel model, Tokenizer tokenizer, LlmMetadata metadata) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.metadata = metadata;
    this.conversation = new Conversation(model, tokenizer, metadata);
  }

  /** A session that owns {@code instance} (closed with it, also when this fails). */
  static LlmSession open(ExecuTorchModel instance, Tokenizer tokenizer, LlmMetadata metadata) {
    try {
      return new LlmSession(instance, tokenizer, metadata);
    } catch (RuntimeException | Error e) {
      instance.close();
      throw e;
    }
  }

  /**
   * Encodes {@code prompt} (BOS first when the context is empty and {@link
   * GenerationConfig#addBos()}) and generates after the context.
   *
   * @throws IllegalArgumentException as {@link TextGenerator#generate(String, GenerationConfig,
   *     TokenListener)}
   * @throws ExecuTorchException {@link ErrorCode#CLOSED} after {@link #close()}
   */
  public GenerationResult generate(String prompt, GenerationConfig config, TokenListener listener) {
    Objects.requireNonNull(prompt, "prompt");
    long start = System.nanoTime();
    int[] ids = tokenizer.encode(prompt, false);
    synchronized (this) {
      ensureOpen();
      return conversation.generate(ids, config, listener, start);
    }
  }

  /** Generates after prompt token ids (BOS as for the text prompt). */
  public synchronized GenerationResult generate(
      int[] promptIds, GenerationConfig config, TokenListener listener) {
    Objects.requireNonNull(promptIds, "promptIds");
    ensureOpen();
    return conversation.generate(promptIds.clone(), config, listener, System.nanoTime());
  }

  /** Stops this session's running generation after its current token; safe from any thread. */
  public boolean cancel() {
    return conversation.cancel();
  }

  /** Tokens in the context. */
  public synchronized int position() {
    ensureOpen();
    return conversation.length();
  }

  /** The context's token ids, BOS included, in order. */
  public synchronized int[] tokens() {
    ensureOpen();
    return conversation.tokens();
  }

  /**
   * Drops the last {@code n} tokens of the context: the next generation continues as if they had
   * never been there (no recomputation of the rest: the KV cache keeps what comes before them).
   *
   * @throws IllegalArgumentException when {@code n} is negative or more than {@link #position()}
   */
  public synchronized void rewind(int n) {
    ensureOpen();
    conversation.rewind(n);
  }

  /** Empties the context: the next generation starts at position 0, with BOS. */
  public synchronized void reset() {
    ensureOpen();
    conversation.reset();
  }

  /**
   * A new session with a copy of this one's context and KV cache: e.g. a system prompt prefilled
   * once, then forked per character. The two continue independently.
   */
  public synchronized LlmSession fork() {
    ensureOpen();
    LlmSession copy = open(model.newInstance(), tokenizer, metadata);
    try {
      copy.conversation.copyFrom(conversation);
      return copy;
    } catch (RuntimeException | Error e) {
      copy.close();
      throw e;
    }
  }

  /**
   * Replaces this session's context and KV cache with a copy of {@code source}'s, a session of the
   * same {@link LlmModel}: {@link #fork()} into a session that already exists, which costs a copy
   * of the method memory and no load (e.g. each character's session restarting from a shared,
   * prefilled system prompt).
   *
   * @throws ExecuTorchException {@link ErrorCode#INVALID_ARGUMENT} for a session of another model
   *     or this one, {@link ErrorCode#CLOSED} if either is closed
   */
  public void copyFrom(LlmSession source) {
    Objects.requireNonNull(source, "source");
    if (source == this) {
      throw new ExecuTorchException(ErrorCode.INVALID_ARGUMENT, "a session cannot copy itself");
    }
    // Both locks, in a fixed order, so that two sessions copying each other cannot deadlock.
    LlmSession first = id < source.id ? this : source;
    LlmSession second = first == this ? source : this;
    synchronized (first) {
      synchronized (second) {
        ensureOpen();
        source.ensureOpen();
        conversation.copyFrom(source.conversation);
      }
    }
  }

  /** This session's instance of the program (e.g. for {@code memoryInfo()}); do not close it. */
  public ExecuTorchModel model() {
    return model;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ExecuTorchException(ErrorCode.CLOSED, "the session is closed");
    }
  }

  /** Frees this session's KV cache and method memory; a running generation finishes first. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    conversation.close();
    model.close();
  }
}
