package executorch4j.llm;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy (argmax, first index on ties) at temperature 0,
 * otherwise softmax(logits / temperature) restricted by top-k then top-p, drawn with
 * {@link Random} (its algorithm is specified, so a seed gives the same tokens on every JVM).
 * Not thread-safe: one per generation.
 */
final class Sampler {
  private final double temperature;
  private final int topK;
  private final double topP;
  private final Random random;
  private Integer[] order = new Integer[0];
  private double[] probs = new double[0];

  Sampler(GenerationConfig config) {
    this.temperature = config.temperature();
    this.topK = config.topK();
    this.topP = config.topP();
    this.random = new Random(config.seed().orElseGet(() -> new Random().nextLong()));
  }

  boolean isGreedy() {
    return temperature == 0 || topK == 1;
  }

  static int argmax(float[] logits, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }

  int sample(float[] logits, int n) {
    if (isGreedy()) return argmax(logits, n);
    if (order.length != n) {
      order = new Integer[n];
      probs = new double[n];
    }
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]) != 0 ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
    int keep = topK > 0 ? Math.min(topK, n) : n;
    double max = logits[order[0]], sum = 0;
    for (int r = 0; r < keep; r++) {
      probs[r] = Math.exp((logits[order[r]] - max) / temperature);
      sum += probs[r];
    }
    if (topP < 1) {
      double cum = 0;
      int r = 0;
      while (r < keep) {
        cum += probs[r] / sum;
        r++;
        if (cum >= topP) break;
      }
      keep = r;
      sum = 0;
      for (int i = 0; i < keep; i++) sum += probs[i];
    }
    double u = random.nextDouble() * sum;
    for (int r = 0; r < keep; r++) {
      u -= probs[r];
      if (u < 0) return order[r];
    }
    return order[keep - 1];
  }
}
