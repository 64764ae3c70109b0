package executorch4j.godot;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.llm.GenerationConfig;
import executorch4j.llm.GenerationResult;
import executorch4j.llm.HuggingFaceTokenizer;
import executorch4j.llm.LlmMetadata;
import executorch4j.llm.TextGenerator;
import executorch4j.llm.TokenListener;
import executorch4j.llm.Tokenizer;
import executorch4j.llm.TokenizerException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Text generation on an {@code ExecuTorchResource} (executorch4j-llm): {@code generate(prompt,
 * options)} returns a request id at once and runs on this resource's generation thread; each
 * decoded piece reaches GDScript as {@code text_generated(request_id, piece)}, the end as {@code
 * generation_completed(request_id, text, stop_reason)} or {@code generation_failed(request_id,
 * message)}, all emitted on the main thread through deferred {@code _deliver_generation} calls, in
 * order. The context (KV cache) is kept between requests until {@code reset_context()}.
 */
final class Generation {
  static final String DELIVER = "_deliver_generation";

  private final Gd gd;
  private final MemorySegment object;
  private Tokenizer tokenizer;
  private TextGenerator generator;
  private ExecuTorchModel generatorModel;
  private ExecutorService worker;
  private long nextRequest = 1;
  private final Map<Long, Queue<Object[]>> events = new ConcurrentHashMap<>();
  private volatile Map<String, Object> last = Map.of();

  Generation(Gd gd, MemorySegment object) {
    this.gd = gd;
    this.object = object;
  }

  /** Reads a Hugging Face tokenizer.json (OS path, res:// or user://); 0 or a Godot error code. */
  long loadTokenizer(String path) {
    try {
      byte[] data =
          ResourceInstance.isGodotPath(path)
              ? GodotFile.readAll(gd, path)
              : Files.readAllBytes(Path.of(path));
      tokenizer = HuggingFaceTokenizer.fromJson(new String(data, StandardCharsets.UTF_8));
      generator = null;
      return ResourceInstance.OK;
    } catch (IOException e) {
      return error(
          ResourceInstance.ERR_FILE_NOT_FOUND,
          "load_tokenizer",
          "cannot read " + path + ": " + e.getMessage());
    } catch (ExecuTorchException | TokenizerException e) { // NOT_SUPPORTED component, or malformed
      return error(
          ResourceInstance.ERR_FILE_CORRUPT, "load_tokenizer", path + ": " + e.getMessage());
    }
  }

  /**
   * Starts a generation; options: {@code max_tokens}, {@code temperature}, {@code top_k}, {@code
   * top_p}, {@code seed}, {@code stop} (Array of Strings), {@code stream} (default true), {@code
   * reset_context} (default false). Returns the request id, or -1 (and prints why).
   */
  long generate(
      ExecuTorchModel model,
      java.util.function.Supplier<Object> program,
      String prompt,
      Map<?, ?> options) {
    if (model == null) return error(-1, "generate", "no model loaded: call load_from_file first");
    if (tokenizer == null) return error(-1, "generate", "no tokenizer: call load_tokenizer first");
    GenerationConfig config;
    boolean stream, reset;
    try {
      config = config(options);
      stream = !Boolean.FALSE.equals(options.get("stream"));
      reset = Boolean.TRUE.equals(options.get("reset_context"));
      if (generator == null || generatorModel != model) {
        Object source =
            program.get(); // an OS path (memory-mapped) or the program's bytes (res://, buffers)
        LlmMetadata metadata =
            source instanceof Path p
                ? LlmMetadata.read(p)
                : LlmMetadata.read(ByteBuffer.wrap((byte[]) source));
        generator = TextGenerator.of(model, metadata, tokenizer);
        generatorModel = model;
      }
    } catch (ExecuTorchException | IllegalArgumentException | ClassCastException e) {
      return error(-1, "generate", e.getMessage());
    }
    if (worker == null) {
      worker =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "executorch4j-generate");
                t.setDaemon(true);
                return t;
              });
    }
    long id = nextRequest++;
    TextGenerator gen = generator;
    GenerationConfig cfg = config;
    TokenListener listener =
        stream ? piece -> post(id, "text_generated", piece) : TokenListener.none();
    worker.execute(
        () -> {
          try {
            if (reset) gen.resetContext();
            GenerationResult r = gen.generate(prompt, cfg, listener);
            last = summary(r);
            post(
                id,
                "generation_completed",
                r.text(),
                r.stopReason().name().toLowerCase(Locale.ROOT));
          } catch (Throwable t) {
            post(id, "generation_failed", String.valueOf(t.getMessage()));
          }
        });
    return id;
  }

  private static GenerationConfig config(Map<?, ?> o) {
    GenerationConfig c = GenerationConfig.greedy();
    if (o.get("max_tokens") instanceof Long n) c = c.withMaxNewTokens(Math.toIntExact(n));
    if (o.get("temperature") instanceof Number t) c = c.withTemperature(t.doubleValue());
    if (o.get("top_k") instanceof Long k) c = c.withTopK(Math.toIntExact(k));
    if (o.get("top_p") instanceof Number p) c = c.withTopP(p.doubleValue());
    if (o.get("seed") instanceof Long s) c = c.withSeed(s);
    Object stop = o.get("stop");
    if (stop != null) {
      List<String> stops = new ArrayList<>();
      if (stop instanceof List<?> l) for (Object s : l) stops.add(String.valueOf(s));
      else if (stop instanceof String[] a) stops.addAll(List.of(a));
      else stops.add(String.valueOf(stop));
      c = c.withStopStrings(stops);
    }
    return c;
  }

  private static Map<String, Object> summary(GenerationResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("text", r.text());
    m.put("token_ids", r.tokenIds());
    m.put("stop_reason", r.stopReason().name().toLowerCase(Locale.ROOT));
    m.put("prompt_tokens", (long) r.stats().promptTokens());
    m.put("generated_tokens", (long) r.stats().generatedTokens());
    m.put("time_to_first_token_ms", r.stats().timeToFirstTokenMillis());
    m.put("prefill_tokens_per_second", r.stats().prefillTokensPerSecond());
    m.put("decode_tokens_per_second", r.stats().decodeTokensPerSecond());
    m.put("overhead_us_per_token", r.stats().overheadMicrosPerToken());
    return m;
  }

  /** The last finished generation: text, token_ids, stop_reason and stats; empty before one. */
  Map<String, Object> last() {
    return new LinkedHashMap<>(last);
  }

  /** Stops the running generation after its current token; any thread. */
  boolean cancel() {
    return generator != null && generator.cancel();
  }

  /** Forgets the conversation (waits for a running generation: cancel it first). */
  Object resetContext() {
    if (generator != null) generator.resetContext();
    return null;
  }

  /** The model is going away: drop the generator (it does not own the model). */
  void forget() {
    if (generator != null) {
      generator.cancel();
      generator.close();
    }
    generator = null;
    generatorModel = null;
  }

  /** Worker thread: queues a signal and asks Godot for a deferred delivery on the main thread. */
  private void post(long id, String signal, Object... args) {
    events.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(new Object[] {signal, args});
    try {
      gd.callDeferred(object, DELIVER, id);
    } catch (Throwable t) {
      gd.report("generate: cannot hand a result to the main thread", t);
    }
  }

  /** Main thread: emits the oldest queued signal of a request. */
  Object deliver(long id) {
    Queue<Object[]> q = events.get(id);
    Object[] e = q == null ? null : q.poll();
    if (e == null) return null;
    if (q.isEmpty() && !"text_generated".equals(e[0])) events.remove(id);
    Object[] args = (Object[]) e[1];
    Object[] withId = new Object[args.length + 1];
    withId[0] = id;
    System.arraycopy(args, 0, withId, 1, args.length);
    gd.emitSignal(object, (String) e[0], withId);
    return null;
  }

  private long error(long code, String where, String message) {
    gd.printError("ExecuTorchResource." + where + ": " + message, where);
    return code;
  }
}
