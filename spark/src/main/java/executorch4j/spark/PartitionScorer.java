package executorch4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.collection.immutable.ArraySeq;

/** Scores one partition lazily, {@code plan.batchSize()} rows at a time, keeping row order. */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final ScoringPlan plan;
  private final int[] inputIndices;

  PartitionScorer(ScoringPlan plan, int[] inputIndices) {
    this.plan = plan;
    this.inputIndices = inputIndices.clone();
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskContext task = TaskContext.get();
    int partition = task == null ? -1 : task.partitionId();
    BatchScorer scorer = new BatchScorer(plan);
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private long position;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && rows.hasNext()) {
          List<Row> batch = new ArrayList<>(plan.batchSize());
          List<Object[]> values = new ArrayList<>(plan.batchSize());
          while (batch.size() < plan.batchSize() && rows.hasNext()) {
            Row row = rows.next();
            Object[] v = new Object[inputIndices.length];
            for (int i = 0; i < v.length; i++) {
              v[i] = row.get(inputIndices[i]);
            }
            batch.add(row);
            values.add(v);
          }
          Object[][] outputs = scorer.score(values, partition, position);
          position += batch.size();
          for (int r = 0; r < batch.size(); r++) {
            ready.add(join(batch.get(r), outputs[r]));
          }
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  private Row join(Row row, Object[] outputs) {
    int width = row.length();
    int nOut = plan.outputs().size();
    Object[] v = new Object[width + nOut];
    for (int i = 0; i < width; i++) {
      v[i] = row.get(i);
    }
    if (outputs != null) {
      for (int k = 0; k < nOut; k++) {
        v[width + k] = ArraySeq.unsafeWrapArray(outputs[k]);
      }
    }
    return RowFactory.create(v);
  }
}
