package executorch4j.llm;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.ModelSource;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An LLM program loaded once, for any number of conversations: {@link #session()} opens one with
 * its own KV cache and position and nothing else that is large. The program, its constants, the
 * tokenizer, the metadata and XNNPACK's packed weights (its weight cache is on) exist once.
 *
 * <pre>{@code
 * try (var llm = LlmModel.load(pte, tokenizer, LoadOptions.defaults().withThreads(1));
 *     var npc = llm.session()) {
 *   npc.generate("Hello", GenerationConfig.greedy(), System.out::print);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Sessions run in parallel, each on the thread that calls it: there is no
 * scheduler of ours, so when sessions outnumber cores the operating system time-slices their
 * threads. Load with {@code withThreads(1)} for many sessions: ExecuTorch has one thread pool per
 * process and its parallel sections run one at a time, so sessions on a shared pool wait for each
 * other, while with one thread each computes on its own caller's thread.
 *
 * <p><b>Memory.</b> This object keeps one loaded instance of the program (the one sessions are made
 * from), with one KV cache of its own; each session adds its method memory (KV cache and
 * activations, see {@link executorch4j.MemoryInfo#plannedBytesTotal()}).
 */
public final class LlmModel implements AutoCloseable {
  private final ExecuTorchModel model;
  private final Tokenizer tokenizer;
  private final LlmMetadata metadata;

  private LlmModel(ExecuTorchModel model, Tokenizer tokenizer, LlmMetadata metadata) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.metadata = metadata;
  }

  /** Loads a program with {@link LoadOptions#defaults()}. */
  public static LlmModel load(Path pte, Tokenizer tokenizer) {
    return load(pte, tokenizer, LoadOptions.defaults());
  }

  /**
   * Loads an LLM program and checks that it can generate here.
   *
   * @throws ExecuTorchException as {@link TextGenerator#load(Path, Tokenizer, LoadOptions)}
   */
  public static LlmModel load(Path pte, Tokenizer tokenizer, LoadOptions options) {
    Objects.requireNonNull(pte, "pte");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(options, "options");
    LlmMetadata metadata = LlmChecks.metadata(pte);
    ExecuTorchModel model = ExecuTorchModel.loadShared(ModelSource.file(pte), options);
    try {
      new Conversation(model, tokenizer, metadata).close(); // checks forward's signature
      return new LlmModel(model, tokenizer, metadata);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * A new conversation at position 0, over its own instance of the program.
   *
   * @throws ExecuTorchException {@link ErrorCode#CLOSED} after {@link #close()}
   */
  public LlmSession session() {
    ExecuTorchModel instance;
    try {
      instance = model.newInstance();
    } catch (ExecuTorchException e) {
      if (e.errorCode() == ErrorCode.CLOSED) {
        throw new ExecuTorchException(ErrorCode.CLOSED, "the LLM model is closed");
      }
      throw e;
    }
    return LlmSession.open(instance, tokenizer, metadata);
  }

  public LlmMetadata metadata() {
    return metadata;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The instance sessions are made from (e.g. for {@code memoryInfo()}); do not close it. */
  public ExecuTorchModel model() {
    return model;
  }

  /**
   * Frees this object's instance. Open sessions keep working (each holds the program) until they
   * are closed; {@link #session()} fails from now on. Idempotent.
   */
  @Override
  public void close() {
    model.close();
  }
}
