package executorch4j.llm;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One conversation over a loaded LLM program whose {@code forward(tokens int64[1, n], input_pos
 * int64[1]) -> logits} keeps its KV cache in the program's memory: the tokens of the context, the
 * prefill (in chunks of the program's longest sequence) and decode loop. {@link TextGenerator} and
 * {@link LlmSession} are this plus who owns the model.
 *
 * <p>The context is every token given to or produced by the model; all of them but the last
 * generated one are in the KV cache (that one is fed at the start of the next generation). Methods
 * are serialized on this object; {@link #cancel()} is not.
 */
final class Conversation implements AutoCloseable {
  static final String FORWARD = "forward";

  private final ExecuTorchModel model;
  private final Tokenizer tokenizer;
  private final LlmMetadata metadata;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment tokens;
  private final MemorySegment inputPos;
  private final Tensor posTensor;
  private final int maxChunk;
  private final int contextLen;
  private float[] logits = new float[0];
  private int[] context = new int[16]; // context[0, length)
  private int length;
  private int position; // tokens in the KV cache: length, or length - 1 with one pending
  private volatile boolean generating;
  private volatile boolean cancelRequested;

  /**
   * @throws ExecuTorchException {@code NOT_SUPPORTED} when forward does not have the signature of
   *     an LLM exported with {@code use_kv_cache=True}
   */
  Conversation(ExecuTorchModel model, Tokenizer tokenizer, LlmMetadata metadata) {
    this.model = model;
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

  ExecuTorchModel model() {
    return model;
  }

  /** Tokens in the context (prompts and generated tokens, BOS included). */
  synchronized int length() {
    return length;
  }

  /** KV-cache positions in use: the context without a pending last generated token. */
  synchronized int cachePosition() {
    return position;
  }

  synchronized int[] tokens() {
    return Arrays.copyOf(context, length);
  }

  boolean cancel() {
    cancelRequested = true;
    return generating;
  }

  /** Forgets the context: the next generation starts at position 0 (with BOS). */
  synchronized void reset() {
    length = 0;
    position = 0;
  }

  /**
   * Drops the last {@code n} tokens of the context. The KV cache keeps the entries before them
   * (attention at a position never reads later ones, and feeding a position overwrites it); the new
   * last token becomes pending, so the next generation recomputes its logits.
   */
  synchronized void rewind(int n) {
    if (n < 0 || n > length) {
      throw new IllegalArgumentException(
          "cannot rewind " + n + " tokens: the context has " + length);
    }
    length -= n;
    position = Math.max(0, length - 1);
  }

  /**
   * Becomes a copy of {@code other}: its context, position and the KV cache (the planned memory of
   * forward). {@code other}'s model must be an instance of the same program as this one's.
   */
  synchronized void copyFrom(Conversation other) {
    synchronized (other) {
      model.copyStateFrom(other.model, FORWARD);
      context = Arrays.copyOf(other.context, Math.max(16, other.length));
      length = other.length;
      position = other.position;
    }
  }

  synchronized GenerationResult generate(
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
    boolean bos = length == 0 && config.addBos() && metadata.bosId().isPresent();
    int[] f = new int[length - position + (bos ? 1 : 0) + promptIds.length];
    int k = 0;
    if (length > position) f[k++] = context[position]; // the pending token
    if (bos) f[k++] = metadata.bosId().get();
    System.arraycopy(promptIds, 0, f, k, promptIds.length);
    if (f.length == 0) {
      throw new IllegalArgumentException(
          "empty prompt and empty context: nothing to generate from");
    }
    if (position + f.length > contextLen) {
      throw new IllegalArgumentException(
          "prompt of "
              + f.length
              + " tokens does not fit the context: "
              + position
              + " of "
              + contextLen
              + " positions are in use (reset or rewind to free them)");
    }
    Set<Integer> stops = new HashSet<>(config.stopTokens());
    if (config.stopAtEos()) stops.addAll(metadata.eosIds());
    Sampler sampler = new Sampler(config);
    TextOut out = new TextOut(config.stopStrings(), listener);

    long prefillStart = System.nanoTime();
    length = position; // the pending token is in f: it is added back when fed
    for (int off = 0; off < f.length; off += maxChunk) {
      int n = Math.min(maxChunk, f.length - off);
      forward(f, off, n);
      for (int i = 0; i < n; i++) append(f[off + i]);
    }
    long prefillEnd = System.nanoTime();

    HuggingFaceTokenizer.IntList generated = new HuggingFaceTokenizer.IntList();
    int count = 0;
    long firstToken = 0, lastToken = 0, decodeForwardNanos = 0;
    StopReason reason = StopReason.MAX_TOKENS;
    int[] one = new int[1];
    while (count < config.maxNewTokens()) {
      int t = sampler.sample(logits, logits.length);
      count++;
      lastToken = System.nanoTime();
      if (count == 1) firstToken = lastToken;
      append(t); // pending: in the context, not yet in the KV cache
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
      one[0] = t;
      forward(one, 0, 1); // t is in the KV cache now, no longer pending
      decodeForwardNanos += System.nanoTime() - f0;
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

  private void append(int t) {
    if (length == context.length) context = Arrays.copyOf(context, length * 2);
    context[length++] = t;
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

  /** Frees the input buffers (not the model); a running generation finishes first. */
  @Override
  public synchronized void close() {
    if (arena.scope().isAlive()) arena.close();
  }
}
