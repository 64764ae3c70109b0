package executorch4j.llm;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy (argmax, first index on ties) at temperature 0,
 * otherwise softmax(logits / temperature) restricted by top-k then top-p, drawn with {@link Random}
 * (its algorithm is specified, so a seed gives the same tokens on every JVM). Candidates are
 * ordered by logit, then by index. Top-k keeps a bounded heap (O(V log k)); top-p alone sorts the
 * vocabulary as primitive keys; plain temperature sampling needs no ordering. Not thread-safe: one
 * per generation.
 */
final class Sampler {
  private final double temperature;
  private final int topK;
  private final double topP;
  private final Random random;
  private long[] keys = new long[0];
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

  /** Ascending keys order by descending logit, then ascending index. */
  private static long key(float logit, int index) {
    int bits = Float.floatToIntBits(logit);
    int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((long) ~sortable << 32) | (index & 0xffffffffL);
  }

  private static int index(long key) {
    return (int) key;
  }

  int sample(float[] logits, int n) {
    if (isGreedy()) return argmax(logits, n);
    float max = logits[argmax(logits, n)];
    if ((topK == 0 || topK >= n) && topP >= 1) {
      // Plain temperature: draw over the whole vocabulary in index order.
      if (probs.length < n) probs = new double[n];
      double sum = 0;
      for (int i = 0; i < n; i++) sum += probs[i] = Math.exp((logits[i] - max) / temperature);
      double u = random.nextDouble() * sum;
      for (int i = 0; i < n; i++) if ((u -= probs[i]) < 0) return i;
      return n - 1;
    }
    int m = topK > 0 ? Math.min(topK, n) : n;
    if (keys.length < n) keys = new long[n];
    if (probs.length < m) probs = new double[m];
    if (m < n) {
      topKeys(logits, n, m);
    } else {
      for (int i = 0; i < n; i++) keys[i] = key(logits[i], i);
    }
    Arrays.sort(keys, 0, m);
    double sum = 0;
    for (int r = 0; r < m; r++)
      sum += probs[r] = Math.exp((logits[index(keys[r])] - max) / temperature);
    if (topP < 1) {
      double cum = 0, total = sum;
      int r = 0;
      while (r < m) {
        cum += probs[r++] / total;
        if (cum >= topP) break;
      }
      m = r;
      sum = 0;
      for (int i = 0; i < m; i++) sum += probs[i];
    }
    double u = random.nextDouble() * sum;
    for (int r = 0; r < m; r++) if ((u -= probs[r]) < 0) return index(keys[r]);
    return index(keys[m - 1]);
  }

  /** The m smallest keys (best logits) into keys[0, m), through a max-heap of size m. */
  private void topKeys(float[] logits, int n, int m) {
    int size = 0;
    for (int i = 0; i < n; i++) {
      long k = key(logits[i], i);
      if (size < m) {
        int c = size++;
        keys[c] = k;
        while (c > 0 && keys[(c - 1) / 2] < keys[c]) {
          swap(c, (c - 1) / 2);
          c = (c - 1) / 2;
        }
      } else if (k < keys[0]) {
        keys[0] = k;
        int c = 0;
        while (true) {
          int l = 2 * c + 1, r = l + 1, big = c;
          if (l < m && keys[l] > keys[big]) big = l;
          if (r < m && keys[r] > keys[big]) big = r;
          if (big == c) break;
          swap(c, big);
          c = big;
        }
      }
    }
  }

  private void swap(int a, int b) {
    long t = keys[a];
    keys[a] = keys[b];
    keys[b] = t;
  }
}
