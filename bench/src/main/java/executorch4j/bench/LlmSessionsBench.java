package executorch4j.bench;

import executorch4j.ExecuTorchRuntime;
import executorch4j.LoadOptions;
import executorch4j.MemoryInfo;
import executorch4j.llm.GenerationConfig;
import executorch4j.llm.GenerationResult;
import executorch4j.llm.HuggingFaceTokenizer;
import executorch4j.llm.LlmModel;
import executorch4j.llm.LlmSession;
import executorch4j.llm.TextGenerator;
import executorch4j.llm.TokenListener;
import executorch4j.llm.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sessions of one LLM program (issue: many NPCs, many users): what each extra session costs in
 * memory, aggregate decode throughput of concurrent sessions, and time to first token after a
 * forked, prefilled system prompt against prefilling it again. A timed harness, not JMH: RSS and
 * many threads of long generations do not fit JMH's model. One mode per JVM ({@code
 * bench/llm_sessions.sh} runs them all), printing one line per measurement:
 *
 * <pre>
 *   memory sessions|generators N     RSS after load and after 1..N sessions (or TextGenerators)
 *   throughput THREADS N SECONDS     N sessions generating in parallel, LoadOptions threads THREADS
 *   ttft REPEATS                     fork + first token vs prefill again vs rewind
 * </pre>
 *
 * System properties: {@code pte} (default fixtures/llm/tiny_llama.pte), {@code tokenizer}
 * (fixtures/llm/tokenizer.json), {@code kvDim} (n_kv_heads x head_dim, 32 for the tiny model) for
 * the KV cache's size, 2 x layers x context x kvDim x 4 bytes, {@code decodeTokens} (64) per
 * throughput round.
 */
public final class LlmSessionsBench {
  static final Path PTE = Path.of(System.getProperty("pte", "fixtures/llm/tiny_llama.pte"));
  static final Path TOKENIZER =
      Path.of(System.getProperty("tokenizer", "fixtures/llm/tokenizer.json"));
  static final int KV_DIM = Integer.getInteger("kvDim", 32);
  static final int DECODE = Integer.getInteger("decodeTokens", 64);

  private LlmSessionsBench() {}

  public static void main(String[] args) throws Exception {
    Tokenizer tok = HuggingFaceTokenizer.load(TOKENIZER);
    switch (args[0]) {
      case "memory" -> memory(tok, args[1], Integer.parseInt(args[2]));
      case "throughput" ->
          throughput(
              tok,
              Integer.parseInt(args[1]),
              Integer.parseInt(args[2]),
              Double.parseDouble(args[3]));
      case "ttft" -> ttft(tok, Integer.parseInt(args[1]));
      default -> throw new IllegalArgumentException("mode: memory, throughput or ttft");
    }
  }

  /** Deterministic prompt ids that avoid the special tokens (0..4). */
  static int[] ids(int n, int seed) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = 5 + (i * 37 + seed * 101) % 390;
    return out;
  }

  static GenerationConfig exact(int n) {
    return GenerationConfig.greedy().withMaxNewTokens(n).withStopAtEos(false);
  }

  static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  /** RSS with the Java heap settled, so that the deltas are native memory. */
  static long settledRss() throws IOException, InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return rssBytes();
  }

  static long kvCacheBytes(int layers, int context) {
    return 2L * layers * context * KV_DIM * Float.BYTES;
  }

  /**
   * RSS after loading, then after each of 1..n sessions (or, for "generators", separately loaded
   * TextGenerators: what each conversation cost before sessions), each having generated 32 tokens
   * after a 32-token prompt so that its memory is touched.
   */
  static void memory(Tokenizer tok, String kind, int n) throws Exception {
    LoadOptions opts = LoadOptions.defaults().withThreads(1);
    long before = settledRss();
    long nativeBefore = ExecuTorchRuntime.nativeBytesInUse();
    List<AutoCloseable> open = new ArrayList<>();
    LlmModel llm = null;
    int layers;
    int context;
    if (kind.equals("sessions")) {
      llm = LlmModel.load(PTE, tok, opts);
      open.add(llm);
      layers = (int) (long) llm.metadata().values().get("get_n_layers");
      context = llm.metadata().maxContextLen();
      print(
          "memory %s loaded rss_mb=%.2f native_mb=%.2f",
          kind, mb(settledRss() - before), mb(ExecuTorchRuntime.nativeBytesInUse() - nativeBefore));
    } else {
      layers = -1;
      context = -1;
    }
    long[] rss = new long[n + 1];
    for (int i = 1; i <= n; i++) {
      MemoryInfo info;
      if (llm != null) {
        LlmSession s = llm.session();
        open.add(s);
        s.generate(ids(32, i), exact(32), TokenListener.none());
        info = s.model().memoryInfo();
      } else {
        TextGenerator g = TextGenerator.load(PTE, tok, opts);
        open.add(g);
        g.generate(ids(32, i), exact(32), TokenListener.none());
        info = g.model().memoryInfo();
        layers = (int) (long) g.metadata().values().get("get_n_layers");
        context = g.metadata().maxContextLen();
      }
      rss[i] = settledRss();
      print(
          "memory %s n=%d rss_mb=%.2f native_mb=%.2f planned_kb=%.1f method_alloc_kb=%.1f",
          kind,
          i,
          mb(rss[i] - before),
          mb(ExecuTorchRuntime.nativeBytesInUse() - nativeBefore),
          info.plannedBytesTotal() / 1024.0,
          info.methodAllocatorBytes() / 1024.0);
    }
    long kv = kvCacheBytes(layers, context);
    double perExtra = (rss[n] - rss[1]) / (double) (n - 1);
    print(
        "memory %s per_extra_kb=%.1f kv_cache_kb=%.1f per_extra_over_kv=%.2f",
        kind, perExtra / 1024, kv / 1024.0, perExtra / kv);
    for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
  }

  /**
   * {@code n} sessions, one thread each, generating {@code decodeTokens} (64) tokens after an
   * 8-token prompt (context reset each round) for {@code seconds}: generated tokens per second of
   * wall time, all sessions together, and the fewest and most tokens one session made (fairness).
   */
  static void throughput(Tokenizer tok, int threads, int n, double seconds) throws Exception {
    LoadOptions opts = LoadOptions.defaults().withThreads(threads);
    boolean generators = Boolean.getBoolean("generators"); // separately loaded, for comparison
    List<AutoCloseable> open = new ArrayList<>();
    try (LlmModel llm = LlmModel.load(PTE, tok, opts)) {
      List<Conversation> sessions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (generators) {
          TextGenerator g = TextGenerator.load(PTE, tok, opts);
          open.add(g);
          sessions.add(new Conversation(g::resetContext, g::generate));
        } else {
          LlmSession s = llm.session();
          open.add(s);
          sessions.add(new Conversation(s::reset, s::generate));
        }
      }
      for (Conversation s : sessions) s.generate(ids(8, 0), exact(4), TokenListener.none());
      ExecutorService pool = Executors.newFixedThreadPool(n);
      CyclicBarrier start = new CyclicBarrier(n + 1);
      long[] deadline = new long[1];
      List<Future<Long>> counts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Conversation s = sessions.get(i);
        int seed = i;
        counts.add(
            pool.submit(
                () -> {
                  start.await();
                  long tokens = 0;
                  while (System.nanoTime() < deadline[0]) {
                    s.reset().run();
                    GenerationResult r =
                        s.generate(ids(8, seed), exact(DECODE), TokenListener.none());
                    tokens += r.tokenIds().length;
                  }
                  return tokens;
                }));
      }
      long t0 = System.nanoTime();
      long cpu0 = processCpuNanos();
      deadline[0] = t0 + (long) (seconds * 1e9);
      start.await();
      long total = 0, min = Long.MAX_VALUE, max = 0;
      for (Future<Long> f : counts) {
        long c = f.get();
        total += c;
        min = Math.min(min, c);
        max = Math.max(max, c);
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = (processCpuNanos() - cpu0) / 1e9;
      pool.shutdown();
      print(
          "throughput%s threads=%d sessions=%d tok_s=%.0f per_session_tok_s=%.0f"
              + " min_max_ratio=%.2f wall_s=%.1f cpu_s=%.1f tok_per_cpu_s=%.0f",
          generators ? "-generators" : "",
          threads,
          n,
          total / wall,
          total / wall / n,
          min / (double) max,
          wall,
          cpu,
          total / cpu);
      for (AutoCloseable c : open) c.close();
    }
  }

  interface Generate {
    GenerationResult generate(int[] ids, GenerationConfig config, TokenListener listener);
  }

  /** A session or a TextGenerator, as the throughput loop uses it. */
  record Conversation(Runnable reset, Generate generator) {
    GenerationResult generate(int[] ids, GenerationConfig config, TokenListener listener) {
      return generator.generate(ids, config, listener);
    }
  }

  /**
   * A system prompt of {@code context - 28} tokens and a user prompt of 8: time to the first token
   * by prefilling both again, by forking a session that prefilled the system prompt once, by
   * copying that session into an existing one, and by rewinding one session back to the system
   * prompt after each turn. Medians of {@code repeats}.
   */
  static void ttft(Tokenizer tok, int repeats) throws Exception {
    try (LlmModel llm = LlmModel.load(PTE, tok, LoadOptions.defaults().withThreads(1));
        LlmSession again = llm.session();
        LlmSession system = llm.session();
        LlmSession rewinding = llm.session();
        LlmSession npc = llm.session()) {
      int sys = llm.metadata().maxContextLen() - 28;
      int[] systemIds = ids(sys, 7);
      int[] userIds = ids(8, 9);
      int[] both = new int[sys + 8];
      System.arraycopy(systemIds, 0, both, 0, sys);
      System.arraycopy(userIds, 0, both, sys, 8);
      system.generate(systemIds, exact(0), TokenListener.none());
      rewinding.generate(systemIds, exact(0), TokenListener.none());
      int expectedFirst = -1;
      double[] prefill = new double[repeats], fork = new double[repeats];
      double[] forkOnly = new double[repeats], rewind = new double[repeats];
      double[] newSession = new double[repeats], copy = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        again.reset();
        long t0 = System.nanoTime();
        int a = again.generate(both, exact(1), TokenListener.none()).tokenIds()[0];
        prefill[r] = ms(t0);

        t0 = System.nanoTime();
        LlmSession f = system.fork();
        forkOnly[r] = ms(t0);
        int b = f.generate(userIds, exact(1), TokenListener.none()).tokenIds()[0];
        fork[r] = ms(t0);
        f.close();

        t0 = System.nanoTime();
        npc.copyFrom(system);
        int d = npc.generate(userIds, exact(1), TokenListener.none()).tokenIds()[0];
        copy[r] = ms(t0);

        t0 = System.nanoTime();
        int c = rewinding.generate(userIds, exact(1), TokenListener.none()).tokenIds()[0];
        rewind[r] = ms(t0);
        rewinding.rewind(rewinding.position() - sys);

        t0 = System.nanoTime();
        llm.session().close();
        newSession[r] = ms(t0);
        if (expectedFirst < 0) expectedFirst = a;
        if (a != expectedFirst || b != a || c != a || d != a) {
          throw new IllegalStateException(
              "first tokens differ: " + a + " " + b + " " + c + " " + d);
        }
      }
      print(
          "ttft system=%d user=8 prefill_again_ms=%.3f fork_then_first_ms=%.3f fork_alone_ms=%.3f"
              + " copy_into_session_then_first_ms=%.3f rewind_then_first_ms=%.3f"
              + " new_session_and_close_ms=%.3f",
          sys,
          median(prefill),
          median(fork),
          median(forkOnly),
          median(copy),
          median(rewind),
          median(newSession));
    }
  }

  /** CPU time of this process, all threads: tokens per CPU second do not depend on other load. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static double ms(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  static void print(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}
