package executorch4j.spark;

import executorch4j.DType;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.ml.linalg.Vector;
import scala.collection.Seq;

/**
 * Executor side: scores rows with one plan. Rows are written straight into native memory of the
 * input's dtype, stacked along the dynamic leading dimension when the plan is batched, run in one
 * forward call, and the outputs are split back per row.
 */
final class BatchScorer {
  private final ScoringPlan plan;
  private ExecuTorchModel model;

  BatchScorer(ScoringPlan plan) {
    this.plan = plan;
    this.model = ExecutorModels.get(plan.sha256(), plan.isolation(), shipped());
  }

  private Supplier<byte[]> shipped() {
    return plan.bytes() == null ? null : () -> plan.bytes().value();
  }

  /** A row that cannot be scored, with why. */
  static final class RowException extends Exception {
    RowException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Scores {@code rows} (at most {@code plan.batchSize()}; each holds one value per input). Returns
   * one array of output values per row, or null for a row the {@link ErrorPolicy#NULL} policy
   * turned into nulls.
   *
   * @param partition the partition, for messages
   * @param firstRow the index in the partition of {@code rows.get(0)}, for messages
   */
  Object[][] score(List<Object[]> rows, int partition, long firstRow) {
    Object[][] results = new Object[rows.size()][];
    List<Integer> valid = new ArrayList<>(rows.size());
    try (Arena arena = Arena.ofConfined()) {
      List<ScoringPlan.Input> ins = plan.inputs();
      MemorySegment[] segs = new MemorySegment[ins.size()];
      for (int i = 0; i < segs.length; i++) {
        ScoringPlan.Input in = ins.get(i);
        segs[i] = arena.allocate(rows.size() * in.rowNumel() * in.dtype().byteSize(), 8);
      }
      for (int r = 0; r < rows.size(); r++) {
        try {
          for (int i = 0; i < segs.length; i++) {
            write(segs[i], (long) valid.size() * ins.get(i).rowNumel(), ins.get(i), rows.get(r)[i]);
          }
          valid.add(r);
        } catch (RowException e) {
          if (plan.policy() == ErrorPolicy.FAIL) {
            throw new ExecuTorchException(
                ErrorCode.INPUT_MISMATCH, where(partition, firstRow + r) + ": " + e.getMessage());
          }
        }
      }
      if (!valid.isEmpty()) {
        run(segs, valid, results, partition, firstRow);
      }
    }
    return results;
  }

  private void run(
      MemorySegment[] segs, List<Integer> valid, Object[][] results, int partition, long firstRow) {
    int n = valid.size();
    try {
      Object[][] outs = forward(segs, 0, n);
      for (int k = 0; k < n; k++) {
        results[valid.get(k)] = outs[k];
      }
    } catch (ExecuTorchException e) {
      String rowsText =
          n == 1
              ? where(partition, firstRow + valid.get(0))
              : where(partition, firstRow + valid.get(0)) + ".." + (firstRow + valid.get(n - 1));
      if (plan.policy() == ErrorPolicy.FAIL) {
        throw new ExecuTorchException(e.errorCode(), rowsText + ": " + message(e), e);
      }
      if (n > 1) {
        // Find the rows the runtime refuses: one call per row of this batch.
        for (int k = 0; k < n; k++) {
          try {
            results[valid.get(k)] = forward(segs, k, 1)[0];
          } catch (ExecuTorchException perRow) {
            results[valid.get(k)] = null;
          }
        }
      }
    }
  }

  /** Runs rows {@code [from, from + n)} of the filled segments; returns their outputs. */
  private Object[][] forward(MemorySegment[] segs, int from, int n) {
    List<ScoringPlan.Input> ins = plan.inputs();
    Tensor[] tensors = new Tensor[segs.length];
    for (int i = 0; i < segs.length; i++) {
      ScoringPlan.Input in = ins.get(i);
      long rowBytes = in.rowNumel() * in.dtype().byteSize();
      long[] shape = in.rowShape();
      if (plan.batched()) {
        long[] s = new long[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        shape = s;
      }
      tensors[i] = Tensor.wrap(segs[i].asSlice(from * rowBytes, n * rowBytes), in.dtype(), shape);
    }
    try {
      return call(tensors, n);
    } catch (ExecuTorchException e) {
      if (!ExecutorModels.workerLost(e)) {
        throw e;
      }
      // Once: a dead worker must not fail (or null) every later row; these rows themselves may be
      // what kills it, so a second failure goes to the error policy.
      model = ExecutorModels.replace(plan.sha256(), plan.isolation(), shipped(), model, e);
      return call(tensors, n);
    }
  }

  /** One forward call of {@code n} rows on the current model; the outputs split per row. */
  private Object[][] call(Tensor[] tensors, int n) {
    List<ScoringPlan.Output> outs = plan.outputs();
    Object[][] perRow = new Object[n][outs.size()];
    synchronized (model) { // outputs are views until the next call on this shared model
      Map<String, Tensor> result = model.execute(plan.method(), tensors);
      for (int k = 0; k < outs.size(); k++) {
        ScoringPlan.Output o = outs.get(k);
        Tensor t = result.get(o.name());
        long[] shape = t.shape();
        if (plan.batched() && (shape.length == 0 || shape[0] != n)) {
          throw new ExecuTorchException(
              ErrorCode.NOT_SUPPORTED,
              o.name()
                  + " has shape "
                  + java.util.Arrays.toString(shape)
                  + " for a batch of "
                  + n
                  + " rows, so it cannot be split per row; set batchSize to 1");
        }
        Object all = SparkTypes.toJavaArray(t);
        int per = (int) (t.numel() / n);
        for (int r = 0; r < n; r++) {
          perRow[r][k] = SparkTypes.slice(all, r * per, (r + 1) * per);
        }
      }
    }
    return perRow;
  }

  /** The message without its {@code [ExecuTorch 0x.. CODE] } prefix. */
  static String message(ExecuTorchException e) {
    String m = e.getMessage();
    int end = m.startsWith("[ExecuTorch ") ? m.indexOf("] ") : -1;
    return end < 0 ? m : m.substring(end + 2);
  }

  static String where(int partition, long row) {
    return "partition " + partition + ", row " + row;
  }

  // ---- writing one row's value into an input ----

  private static void write(MemorySegment seg, long at, ScoringPlan.Input in, Object value)
      throws RowException {
    long want = in.rowNumel();
    switch (value) {
      case null -> throw new RowException(in.describe() + " is null");
      case Seq<?> s -> {
        checkLength(in, s.length());
        for (int j = 0; j < want; j++) {
          put(seg, at + j, in, j, s.apply(j));
        }
      }
      case Vector v -> {
        checkLength(in, v.size());
        for (int j = 0; j < want; j++) {
          put(seg, at + j, in, j, v.apply(j));
        }
      }
      case List<?> l -> {
        checkLength(in, l.size());
        for (int j = 0; j < want; j++) {
          put(seg, at + j, in, j, l.get(j));
        }
      }
      case Number num -> {
        checkLength(in, 1);
        put(seg, at, in, 0, num);
      }
      case Boolean b -> {
        checkLength(in, 1);
        put(seg, at, in, 0, b);
      }
      default ->
          throw new RowException(
              in.describe()
                  + " got a "
                  + value.getClass().getSimpleName()
                  + ", not an array of numbers");
    }
  }

  private static void checkLength(ScoringPlan.Input in, long got) throws RowException {
    if (got != in.rowNumel()) {
      throw new RowException(
          in.describe() + ": expected " + in.rowNumel() + " value(s) per row, got " + got);
    }
  }

  private static void put(MemorySegment seg, long i, ScoringPlan.Input in, int j, Object v)
      throws RowException {
    if (v == null) {
      throw new RowException(in.describe() + ": element " + j + " is null");
    }
    DType t = in.dtype();
    switch (t) {
      case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) number(in, j, v));
      case FLOAT64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE, i, number(in, j, v));
      case FLOAT16 ->
          seg.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) number(in, j, v)));
      case INT8 ->
          seg.setAtIndex(
              ValueLayout.JAVA_BYTE, i, (byte) integral(in, j, v, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case UINT8 -> seg.setAtIndex(ValueLayout.JAVA_BYTE, i, (byte) integral(in, j, v, 0, 255));
      case INT16 ->
          seg.setAtIndex(
              ValueLayout.JAVA_SHORT,
              i,
              (short) integral(in, j, v, Short.MIN_VALUE, Short.MAX_VALUE));
      case UINT16 ->
          seg.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) integral(in, j, v, 0, 65535));
      case INT32 ->
          seg.setAtIndex(
              ValueLayout.JAVA_INT,
              i,
              (int) integral(in, j, v, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case UINT32 ->
          seg.setAtIndex(ValueLayout.JAVA_INT, i, (int) integral(in, j, v, 0, 0xFFFF_FFFFL));
      case INT64 ->
          seg.setAtIndex(
              ValueLayout.JAVA_LONG, i, integral(in, j, v, Long.MIN_VALUE, Long.MAX_VALUE));
      case BOOL -> {
        long b = v instanceof Boolean x ? (x ? 1 : 0) : integral(in, j, v, 0, 1);
        seg.setAtIndex(ValueLayout.JAVA_BYTE, i, (byte) b);
      }
      default -> throw new IllegalStateException("planned an unsupported dtype " + t);
    }
  }

  private static double number(ScoringPlan.Input in, int j, Object v) throws RowException {
    return switch (v) {
      case Number n -> n.doubleValue();
      case Boolean b -> b ? 1 : 0;
      default ->
          throw new RowException(
              in.describe()
                  + ": element "
                  + j
                  + " is a "
                  + v.getClass().getSimpleName()
                  + ", not a number");
    };
  }

  private static long integral(ScoringPlan.Input in, int j, Object v, long min, long max)
      throws RowException {
    long x;
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      x = ((Number) v).longValue();
    } else {
      double d = number(in, j, v);
      if (d != Math.rint(d) || Double.isInfinite(d) || d < -0x1p63 || d >= 0x1p63) {
        throw new RowException(in.describe() + ": element " + j + " = " + d + " is not an integer");
      }
      x = (long) d;
    }
    if (x < min || x > max) {
      throw new RowException(
          in.describe()
              + ": element "
              + j
              + " = "
              + x
              + " is outside "
              + in.dtype()
              + " ["
              + min
              + ", "
              + max
              + "]");
    }
    return x;
  }
}
