package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Sampling against probabilities worked out by hand: logits (0, ln 2, ln 4) are p = (1, 2, 4) / 7.
 */
class SamplerTest {
  static final float[] LOGITS = {0f, (float) Math.log(2), (float) Math.log(4)};

  private static int[] counts(GenerationConfig config, float[] logits, int draws) {
    Sampler s = new Sampler(config);
    int[] c = new int[logits.length];
    for (int i = 0; i < draws; i++) c[s.sample(logits, logits.length)]++;
    return c;
  }

  @Test
  void temperatureOneDrawsTheSoftmaxProbabilities() {
    int n = 70_000;
    int[] c = counts(GenerationConfig.sampling(1.0, 1), LOGITS, n);
    assertEquals(1.0 / 7, c[0] / (double) n, 0.01);
    assertEquals(2.0 / 7, c[1] / (double) n, 0.01);
    assertEquals(4.0 / 7, c[2] / (double) n, 0.01);
  }

  @Test
  void temperatureSharpensAndFlattens() {
    int n = 30_000;
    // T = 0.5 squares the ratios: (1, 4, 16) / 21; T = 2 takes square roots: (1, 1.414, 2) / 4.414.
    int[] sharp = counts(GenerationConfig.sampling(0.5, 2), LOGITS, n);
    assertEquals(16.0 / 21, sharp[2] / (double) n, 0.01);
    int[] flat = counts(GenerationConfig.sampling(2.0, 3), LOGITS, n);
    assertEquals(1.0 / (1 + Math.sqrt(2) + 2), flat[0] / (double) n, 0.01);
  }

  @Test
  void topKAndTopPDropTheUnlikelyTokens() {
    int[] k2 = counts(GenerationConfig.sampling(1.0, 4).withTopK(2), LOGITS, 10_000);
    assertEquals(0, k2[0]);
    assertEquals(2.0 / 6, k2[1] / 10_000.0, 0.02);
    // top-p 0.5: the most likely token alone already has 4/7 >= 0.5.
    assertArrayEquals(
        new int[] {0, 0, 10_000},
        counts(GenerationConfig.sampling(1.0, 5).withTopP(0.5), LOGITS, 10_000));
    // top-p 0.6: 4/7 < 0.6, so the two most likely stay.
    int[] p6 = counts(GenerationConfig.sampling(1.0, 6).withTopP(0.6), LOGITS, 10_000);
    assertEquals(0, p6[0]);
    assertTrue(p6[1] > 0 && p6[2] > 0);
  }

  @Test
  void topKOnALargeVocabularyDrawsOnlyTheKBestAndBreaksTiesByIndex() {
    java.util.Random r = new java.util.Random(11);
    float[] logits = new float[5000];
    for (int i = 0; i < logits.length; i++) logits[i] = (float) r.nextGaussian();
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
    Set<Integer> best = Set.of(order[0], order[1], order[2], order[3], order[4]);
    int[] c = counts(GenerationConfig.sampling(1e6, 8).withTopK(5), logits, 5000);
    for (int i = 0; i < c.length; i++)
      if (c[i] > 0) assertTrue(best.contains(i), "index " + i + " is not among the 5 best");
    for (int b : best) assertTrue(c[b] > 800, "a near-uniform draw over the 5 best: " + c[b]);
    int[] ties =
        counts(
            GenerationConfig.sampling(1.0, 9).withTopK(3), new float[] {2f, 2f, 2f, 2f, 2f}, 3000);
    assertEquals(0, ties[3] + ties[4]);
  }

  @Test
  void greedyTakesTheFirstMaximum() {
    Sampler s = new Sampler(GenerationConfig.greedy());
    assertEquals(1, s.sample(new float[] {1f, 3f, 3f, 2f}, 4));
  }

  @Test
  void theSameSeedDrawsTheSameSequence() {
    Sampler a = new Sampler(GenerationConfig.sampling(1.0, 99)),
        b = new Sampler(GenerationConfig.sampling(1.0, 99));
    for (int i = 0; i < 1000; i++) assertEquals(a.sample(LOGITS, 3), b.sample(LOGITS, 3));
  }

  @Test
  void invalidSettingsAreIllegalArguments() {
    GenerationConfig g = GenerationConfig.greedy();
    assertThrows(IllegalArgumentException.class, () -> g.withTemperature(-0.1));
    assertThrows(IllegalArgumentException.class, () -> g.withTemperature(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> g.withTopP(0));
    assertThrows(IllegalArgumentException.class, () -> g.withTopP(1.5));
    assertThrows(IllegalArgumentException.class, () -> g.withTopK(-1));
    assertThrows(IllegalArgumentException.class, () -> g.withMaxNewTokens(-1));
    assertThrows(IllegalArgumentException.class, () -> g.withStopStrings(List.of("")));
    assertThrows(NullPointerException.class, () -> g.withStopTokens(null));
    assertEquals(Set.of(7), g.withStopTokens(Set.of(7)).stopTokens());
  }
}
