package executorch4j.bench;

import executorch4j.DType;
import executorch4j.ExecuTorchModel;
import executorch4j.LoadOptions;
import executorch4j.Tensor;
import executorch4j.llm.GenerationConfig;
import executorch4j.llm.HuggingFaceTokenizer;
import executorch4j.llm.TextGenerator;
import executorch4j.llm.TokenListener;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Text generation on {@code fixtures/llm/tiny_llama.pte} (issue 19): the raw forward calls a
 * generator makes (one decode step, one 32-token prefill) next to the same work through {@link
 * TextGenerator} (tokens, argmax, streaming decode, stop checks). {@code llm_python_runner.py}
 * times the same calls with ExecuTorch's Python runtime. {@code -p pte=PATH} runs another model of
 * the same tokenizer (e.g. the ~100M-parameter {@code llama_100m.pte} of {@code export_llm.py
 * --size 100m}, which {@code llm_run.sh} passes with {@code BENCH_LLM_MODEL=100m}).
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LlmBench extends MicroBench {
  static final int PROMPT = 32;
  static final int DECODE = 64;
  static final int DECODE_POS = 64;

  @Param({"1"})
  public int threads;

  /** The program: relative to {@code fixtures/}, or an absolute path. */
  @Param({"llm/tiny_llama.pte"})
  public String pte;

  private Arena arena;
  private ExecuTorchModel raw;
  private TextGenerator gen;
  private Tensor oneToken, prompt, decodePos, zeroPos;
  private int[] promptIds;
  private final float[] logits = new float[4096];

  @Setup(Level.Trial)
  public void setup() {
    arena = Arena.ofShared();
    var program = Fixtures.file(pte);
    var options = LoadOptions.defaults().withThreads(threads);
    raw = ExecuTorchModel.load(program, options);
    gen =
        TextGenerator.load(
            program,
            HuggingFaceTokenizer.load(Fixtures.dir().resolve("llm/tokenizer.json")),
            options);
    MemorySegment tok = arena.allocate(ValueLayout.JAVA_LONG, PROMPT);
    promptIds = new int[PROMPT];
    for (int i = 0; i < PROMPT; i++) {
      promptIds[i] = 5 + (i * 37) % 390;
      tok.setAtIndex(ValueLayout.JAVA_LONG, i, promptIds[i]);
    }
    oneToken = Tensor.wrap(tok.asSlice(0, 8), DType.INT64, 1, 1);
    prompt = Tensor.wrap(tok, DType.INT64, 1, PROMPT);
    decodePos = Tensor.wrap(arena.allocateFrom(ValueLayout.JAVA_LONG, DECODE_POS), DType.INT64, 1);
    zeroPos = Tensor.wrap(arena.allocateFrom(ValueLayout.JAVA_LONG, 0), DType.INT64, 1);
    rawDecodeStep();
    rawPrefill32();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    gen.close();
    raw.close();
    arena.close();
  }

  private int argmax(Tensor t) {
    int n = (int) t.numel();
    MemorySegment.copy(t.segment(), ValueLayout.JAVA_FLOAT, 0, logits, 0, n);
    int best = 0;
    for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }

  /**
   * One decode step as a generator makes it: forward(1 token, pos 64) and the argmax of the logits.
   */
  @Benchmark
  public int rawDecodeStep() {
    return argmax(raw.execute("forward", oneToken, decodePos).get("output_0"));
  }

  /** A 32-token prefill at position 0 and the argmax. */
  @Benchmark
  public int rawPrefill32() {
    return argmax(raw.execute("forward", prompt, zeroPos).get("output_0"));
  }

  /**
   * What TextGenerator measures of itself in {@code generate32Then64}: the decode time outside the
   * forward calls (sampling, detokenizing, streaming, stop checks) and the tokens it covers, summed
   * over each iteration; their ratio is the Java overhead per decoded token, measured in the same
   * calls as the timing.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Overhead {
    public double overheadNanos;
    public long overheadTokens;

    @Setup(Level.Iteration)
    public void clear() {
      overheadNanos = 0;
      overheadTokens = 0;
    }
  }

  /**
   * TextGenerator: prefill 32 tokens (BOS off), then 64 greedy decode steps, streaming decoded
   * text.
   */
  @Benchmark
  public int generate32Then64(Overhead overhead) {
    gen.resetContext();
    var cfg =
        GenerationConfig.greedy()
            .withMaxNewTokens(DECODE + 1)
            .withStopAtEos(false)
            .withAddBos(false);
    var stats = gen.generate(promptIds, cfg, TokenListener.none()).stats();
    overhead.overheadNanos += (stats.decodeMillis() - stats.decodeForwardMillis()) * 1e6;
    overhead.overheadTokens += stats.generatedTokens() - 1;
    return stats.generatedTokens();
  }

  /** TextGenerator: the 32-token prefill alone (no token generated). */
  @Benchmark
  public int generatePrefillOnly() {
    gen.resetContext();
    var cfg = GenerationConfig.greedy().withMaxNewTokens(0).withAddBos(false);
    return gen.generate(promptIds, cfg, TokenListener.none()).stats().promptTokens();
  }
}
