package executorch4j.llm;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * How to generate: sampling, limits and stop conditions. Immutable; start from {@link #greedy()} or
 * {@link #sampling(double, long)} and change with the {@code with...} methods.
 *
 * @param maxNewTokens most tokens to generate (the stop token, if one ends the generation, counts)
 * @param temperature 0 for greedy (argmax, first index on ties); otherwise logits are divided by it
 * @param topK keep the k most likely tokens before sampling; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param seed seed of the sampler; empty draws a fresh seed per generation
 * @param stopTokens ids that end the generation (in addition to the program's EOS ids when {@code
 *     stopAtEos}); the stop token is not part of the result
 * @param stopStrings texts that end the generation; the result and the stream end before them
 * @param stopAtEos also stop at the program's {@code get_eos_ids}
 * @param addBos prepend the program's BOS id when the context is empty
 */
public record GenerationConfig(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    OptionalLong seed,
    Set<Integer> stopTokens,
    List<String> stopStrings,
    boolean stopAtEos,
    boolean addBos) {

  public GenerationConfig {
    if (maxNewTokens < 0)
      throw new IllegalArgumentException("maxNewTokens must be >= 0: " + maxNewTokens);
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a finite number >= 0: " + temperature);
    }
    if (topK < 0) throw new IllegalArgumentException("topK must be >= 0: " + topK);
    if (!(topP > 0 && topP <= 1))
      throw new IllegalArgumentException("topP must be in (0, 1]: " + topP);
    java.util.Objects.requireNonNull(seed, "seed");
    stopTokens = Set.copyOf(stopTokens);
    stopStrings = List.copyOf(stopStrings);
    for (String s : stopStrings)
      if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
  }

  /** Greedy decoding, 128 new tokens, stop at EOS, BOS added. */
  public static GenerationConfig greedy() {
    return new GenerationConfig(
        128, 0, 0, 1, OptionalLong.empty(), Set.of(), List.of(), true, true);
  }

  /** Sampling at a temperature with a fixed seed (reproducible). */
  public static GenerationConfig sampling(double temperature, long seed) {
    return greedy().withTemperature(temperature).withSeed(seed);
  }

  public GenerationConfig withMaxNewTokens(int n) {
    return new GenerationConfig(
        n, temperature, topK, topP, seed, stopTokens, stopStrings, stopAtEos, addBos);
  }

  public GenerationConfig withTemperature(double t) {
    return new GenerationConfig(
        maxNewTokens, t, topK, topP, seed, stopTokens, stopStrings, stopAtEos, addBos);
  }

  public GenerationConfig withTopK(int k) {
    return new GenerationConfig(
        maxNewTokens, temperature, k, topP, seed, stopTokens, stopStrings, stopAtEos, addBos);
  }

  public GenerationConfig withTopP(double p) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, p, seed, stopTokens, stopStrings, stopAtEos, addBos);
  }

  public GenerationConfig withSeed(long s) {
    return new GenerationConfig(
        maxNewTokens,
        temperature,
        topK,
        topP,
        OptionalLong.of(s),
        stopTokens,
        stopStrings,
        stopAtEos,
        addBos);
  }

  public GenerationConfig withStopTokens(Set<Integer> ids) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, seed, ids, stopStrings, stopAtEos, addBos);
  }

  public GenerationConfig withStopStrings(List<String> strings) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, seed, stopTokens, strings, stopAtEos, addBos);
  }

  public GenerationConfig withStopAtEos(boolean on) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, seed, stopTokens, stopStrings, on, addBos);
  }

  public GenerationConfig withAddBos(boolean on) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, seed, stopTokens, stopStrings, stopAtEos, on);
  }
}
