package executorch4j.llm;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.LoadOptions;
import executorch4j.MethodOperators;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
  private static final String FORWARD = "forward";

  private final ExecuTorchModel model;
  private final boolean ownsModel;
  private final Tokenizer tokenizer;
  private final LlmMetadata metadata;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment tokens;
  private final MemorySegment inputPos;
  private final Tensor posTensor;
  private final int maxChunk;
  private final int contextLen;
  private float[] logits = new float[0];
  private int position;
  private int pendingToken = -1;
  private volatile boolean generating;
  private volatile boolean cancelRequested;

  private TextGenerator(
      ExecuTorchModel model, boolean ownsModel, Tokenizer tokenizer, LlmMetadata metadata) {
    this.model = model;
    this.ownsModel = ownsModel;
    this.tokenizer = tokenizer;
    this.metadata = metadata;
    List<TensorMeta> inputs = model.methodMeta(FORWARD).inputs();
    if (inputs.size() != 2
        || inputs.get(0).dtype() != DType.INT64
        || inputs.get(0).shape().length != 2) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          "forward must take (tokens int64[1, n], input_pos int64[1]) as exported with use_kv_cache=True; it takes "
              + inputs);
    }
    this.maxChunk = (int) Math.max(1, inputs.get(0).shape()[1]);
    this.contextLen = metadata.maxContextLen();
    this.tokens = arena.allocate(ValueLayout.JAVA_LONG, maxChunk);
    this.inputPos = arena.allocate(ValueLayout.JAVA_LONG, 1);
    this.posTensor = Tensor.wrap(inputPos, inputs.get(1).dtype(), 1);
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
    LlmMetadata metadata = LlmMetadata.read(pte);
    checkOperators(pte);
    if (!metadata.useKvCache()) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          pte
              + " has no KV cache (metadata use_kv_cache is "
              + metadata.values().get("use_kv_cache")
              + "): export it with model.use_kv_cache=True (--use_kv_cache)");
    }
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
    if (!metadata.useKvCache()) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          "the program has no KV cache (metadata use_kv_cache is "
              + metadata.values().get("use_kv_cache")
              + "): export it with model.use_kv_cache=True (--use_kv_cache)");
    }
    return new TextGenerator(model, false, tokenizer, metadata);
  }

  /** Custom LLM operators link libtorch: refuse them with the export flag to change. */
  private static void checkOperators(Path pte) {
    List<String> custom = new ArrayList<>();
    for (MethodOperators m : ExecuTorchRuntime.operators(pte)) {
      for (String op : m.missing())
        if (op.startsWith("llama::") || op.startsWith("quantized_decomposed::")) custom.add(op);
    }
    if (!custom.isEmpty()) {
      throw new ExecuTorchException(
          ErrorCode.OPERATOR_MISSING,
          pte
              + " needs ExecuTorch's custom LLM operator(s) "
              + String.join(", ", custom)
              + ", whose kernels (libcustom_ops_aot_lib.so) link libtorch and cannot load in a torch-free JVM; "
              + "re-export with model.use_sdpa_with_kv_cache=False (no --use_sdpa_with_kv_cache) and "
              + "model.quantize_kv_cache=False so the program uses standard attention and KV-cache updates");
    }
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
  public synchronized int position() {
    return position;
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
    return run(tokenizer.encode(prompt, false), config, listener, start);
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
    return run(promptIds.clone(), config, listener, System.nanoTime());
  }

  /**
   * Stops the generation running now after its current token ({@link StopReason#CANCELLED}); safe
   * from any thread.
   *
   * @return whether a generation was running
   */
  public boolean cancel() {
    cancelRequested = true;
    return generating;
  }

  /** Forgets the conversation: the next generation starts at position 0 (with BOS). */
  public synchronized void resetContext() {
    position = 0;
    pendingToken = -1;
  }

  private synchronized GenerationResult run(
      int[] promptIds, GenerationConfig config, TokenListener listener, long start) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(listener, "listener");
    cancelRequested = false;
    generating = true;
    try {
      return generateLocked(promptIds, config, listener, start);
    } finally {
      generating = false;
    }
  }

  private GenerationResult generateLocked(
      int[] promptIds, GenerationConfig config, TokenListener listener, long start) {
    int vocab = tokenizer.vocabSize();
    for (int id : promptIds) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            "prompt token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    HuggingFaceTokenizer.IntList feed = new HuggingFaceTokenizer.IntList();
    if (pendingToken >= 0) feed.add(pendingToken);
    if (position == 0 && config.addBos() && metadata.bosId().isPresent())
      feed.add(metadata.bosId().get());
    feed.addAll(promptIds);
    if (feed.size() == 0) {
      throw new IllegalArgumentException(
          "empty prompt and empty context: nothing to generate from");
    }
    if (position + feed.size() > contextLen) {
      throw new IllegalArgumentException(
          "prompt of "
              + feed.size()
              + " tokens does not fit the context: "
              + position
              + " of "
              + contextLen
              + " positions are in use (resetContext() frees them)");
    }
    Set<Integer> stops = new HashSet<>(config.stopTokens());
    if (config.stopAtEos()) stops.addAll(metadata.eosIds());
    Sampler sampler = new Sampler(config);
    TextOut out = new TextOut(config.stopStrings(), listener);

    long prefillStart = System.nanoTime();
    int[] f = feed.toArray();
    pendingToken = -1;
    for (int off = 0; off < f.length; off += maxChunk) {
      int n = Math.min(maxChunk, f.length - off);
      forward(f, off, n);
    }
    long prefillEnd = System.nanoTime();

    HuggingFaceTokenizer.IntList generated = new HuggingFaceTokenizer.IntList();
    int count = 0;
    long firstToken = 0, lastToken = 0, decodeForwardNanos = 0;
    StopReason reason = StopReason.MAX_TOKENS;
    while (count < config.maxNewTokens()) {
      int t = sampler.sample(logits, logits.length);
      count++;
      lastToken = System.nanoTime();
      if (count == 1) firstToken = lastToken;
      pendingToken = t;
      if (stops.contains(t)) {
        reason = StopReason.STOP_TOKEN;
        break;
      }
      generated.add(t);
      if (out.push(tokenizer.tokenBytes(t))) {
        reason = StopReason.STOP_STRING;
        break;
      }
      if (cancelRequested) {
        reason = StopReason.CANCELLED;
        break;
      }
      if (count == config.maxNewTokens()) break;
      if (position >= contextLen) {
        reason = StopReason.CONTEXT_FULL;
        break;
      }
      long f0 = System.nanoTime();
      forward(new int[] {t}, 0, 1);
      decodeForwardNanos += System.nanoTime() - f0;
      pendingToken = -1;
    }
    if (reason != StopReason.STOP_STRING) out.flush();
    long end = System.nanoTime();
    GenerationStats stats =
        new GenerationStats(
            f.length,
            count,
            (prefillEnd - prefillStart) / 1e6,
            count > 0 ? (firstToken - start) / 1e6 : 0,
            count > 1 ? (lastToken - firstToken) / 1e6 : 0,
            decodeForwardNanos / 1e6,
            (end - start) / 1e6);
    return new GenerationResult(out.text(), generated.toArray(), reason, stats);
  }

  /** Feeds {@code n} tokens at the current position and keeps the last logits. */
  private void forward(int[] ids, int off, int n) {
    for (int i = 0; i < n; i++) tokens.setAtIndex(ValueLayout.JAVA_LONG, i, ids[off + i]);
    inputPos.set(ValueLayout.JAVA_LONG, 0, position);
    Tensor tok = Tensor.wrap(tokens.asSlice(0, (long) n * Long.BYTES), DType.INT64, 1, n);
    Map<String, Tensor> outputs = model.execute(FORWARD, tok, posTensor);
    Tensor out = outputs.get("output_0");
    if (out == null || out.dtype() != DType.FLOAT32) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED, "forward must return float32 logits; it returned " + outputs);
    }
    long[] shape = out.shape();
    int vocab = (int) shape[shape.length - 1];
    if (logits.length != vocab) logits = new float[vocab];
    long rowOffset = (out.numel() - vocab) * Float.BYTES; // the last position's logits
    MemorySegment.copy(out.segment(), ValueLayout.JAVA_FLOAT, rowOffset, logits, 0, vocab);
    position += n;
  }

  /** Streams text: whole characters, holding back what could start a stop string. */
  private static final class TextOut {
    private final Utf8Stream utf8 = new Utf8Stream();
    private final List<String> stops;
    private final TokenListener listener;
    private final StringBuilder held = new StringBuilder();
    private final StringBuilder text = new StringBuilder();

    TextOut(List<String> stops, TokenListener listener) {
      this.stops = stops;
      this.listener = listener;
    }

    /** Adds a token's bytes; true when a stop string was reached. */
    boolean push(byte[] bytes) {
      held.append(utf8.push(bytes));
      int at = -1;
      for (String s : stops) {
        int i = held.indexOf(s);
        if (i >= 0 && (at < 0 || i < at)) at = i;
      }
      if (at >= 0) {
        emit(held.substring(0, at));
        held.setLength(0);
        return true;
      }
      int keep = 0;
      for (String s : stops) {
        for (int k = Math.min(s.length() - 1, held.length()); k > keep; k--) {
          if (held.toString().regionMatches(held.length() - k, s, 0, k)) {
            keep = k;
            break;
          }
        }
      }
      emit(held.substring(0, held.length() - keep));
      held.delete(0, held.length() - keep);
      return false;
    }

    void flush() {
      held.append(utf8.flush());
      emit(held.toString());
      held.setLength(0);
    }

    private void emit(String piece) {
      if (piece.isEmpty()) return;
      text.append(piece);
      listener.onPiece(piece);
    }

    String text() {
      return text.toString();
    }
  }

  /**
   * Closes the program (unless it came through {@link #of}); a running generation finishes first.
   */
  @Override
  public synchronized void close() {
    if (ownsModel) model.close();
    if (arena.scope().isAlive()) arena.close();
  }
}
