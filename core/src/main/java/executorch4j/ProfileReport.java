package executorch4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one execute spent its time on, per operator, as recorded by the facade's event tracer.
 * Kernel calls are named from the program's own operator table (e.g. {@code
 * aten::convolution.out}); delegate calls by backend ({@code DELEGATE_CALL XnnpackBackend}).
 */
public final class ProfileReport {
  /** What an event is. */
  public enum Kind {
    OPERATOR,
    DELEGATE,
    DELEGATE_OPERATOR,
    RUNTIME;

    static Kind of(int code) {
      return code >= 0 && code < 4 ? values()[code] : RUNTIME;
    }
  }

  /** One timed call. Times in nanoseconds from the start of the execute. */
  public record Event(
      String name, Kind kind, long instruction, long startNanos, long durationNanos) {}

  /** Calls of one operator aggregated. Times in nanoseconds. */
  public record Row(
      String name,
      Kind kind,
      long calls,
      long totalNanos,
      long minNanos,
      long maxNanos,
      double share) {
    public long meanNanos() {
      return calls == 0 ? 0 : totalNanos / calls;
    }
  }

  private final String method;
  private final List<Event> events;
  private final List<Row> rows;
  private final long totalNanos;

  ProfileReport(String method, List<Event> events) {
    this.method = method;
    this.events = List.copyOf(events);
    long total = 0;
    for (Event e : events) {
      if (e.kind() == Kind.OPERATOR || e.kind() == Kind.DELEGATE) {
        total += e.durationNanos();
      }
    }
    this.totalNanos = total;
    Map<String, long[]> agg = new LinkedHashMap<>(); // calls, total, min, max, kind
    for (Event e : events) {
      if (e.kind() == Kind.RUNTIME) {
        continue;
      }
      long[] a =
          agg.computeIfAbsent(
              e.name(), k -> new long[] {0, 0, Long.MAX_VALUE, 0, e.kind().ordinal()});
      a[0]++;
      a[1] += e.durationNanos();
      a[2] = Math.min(a[2], e.durationNanos());
      a[3] = Math.max(a[3], e.durationNanos());
    }
    List<Row> r = new ArrayList<>();
    for (var en : agg.entrySet()) {
      long[] a = en.getValue();
      r.add(
          new Row(
              en.getKey(),
              Kind.values()[(int) a[4]],
              a[0],
              a[1],
              a[2],
              a[3],
              total == 0 ? 0 : (double) a[1] / total));
    }
    r.sort(Comparator.comparingLong(Row::totalNanos).reversed());
    this.rows = List.copyOf(r);
  }

  /** The method this execute ran. */
  public String method() {
    return method;
  }

  /** Every event in the order it ended. */
  public List<Event> events() {
    return events;
  }

  /** Per-operator rows, largest total first. */
  public List<Row> rows() {
    return rows;
  }

  /** Sum of top-level operator and delegate calls, in nanoseconds. */
  public long totalNanos() {
    return totalNanos;
  }

  /** An aligned text table: operator, calls, total/mean/min/max in microseconds, share. */
  public String toTable() {
    int w = Math.max(8, rows.stream().mapToInt(r -> r.name().length()).max().orElse(8));
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-" + w + "s %6s %11s %10s %10s %10s %7s%n",
            "operator",
            "calls",
            "total us",
            "mean us",
            "min us",
            "max us",
            "share"));
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-" + w + "s %6d %11.1f %10.1f %10.1f %10.1f %6.1f%%%n",
              r.name(),
              r.calls(),
              r.totalNanos() / 1e3,
              r.meanNanos() / 1e3,
              r.minNanos() / 1e3,
              r.maxNanos() / 1e3,
              r.share() * 100));
    }
    sb.append(
        String.format(Locale.ROOT, "%-" + w + "s %6s %11.1f%n", "total", "", totalNanos / 1e3));
    return sb.toString();
  }

  /** Chrome trace event JSON (opens in Perfetto or chrome://tracing). */
  public String toChromeTrace() {
    StringBuilder sb = new StringBuilder("{\"traceEvents\":[");
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      sb.append(i == 0 ? "" : ",")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"name\":%s,\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":%d,"
                      + "\"args\":{\"instruction\":%d}}",
                  json(e.name()),
                  e.kind().name().toLowerCase(Locale.ROOT),
                  e.startNanos() / 1e3,
                  e.durationNanos() / 1e3,
                  e.kind() == Kind.DELEGATE_OPERATOR ? 2 : 1,
                  e.instruction()));
    }
    return sb.append("],\"displayTimeUnit\":\"ns\",\"otherData\":{\"method\":")
        .append(json(method))
        .append("}}")
        .toString();
  }

  /** Rows as maps (the Godot {@code get_profile()} shape). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", method);
    m.put("total_us", totalNanos / 1e3);
    List<Map<String, Object>> ops = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", r.name());
      row.put("calls", r.calls());
      row.put("total_us", r.totalNanos() / 1e3);
      row.put("mean_us", r.meanNanos() / 1e3);
      row.put("min_us", r.minNanos() / 1e3);
      row.put("max_us", r.maxNanos() / 1e3);
      row.put("share", r.share());
      ops.add(row);
    }
    m.put("operators", ops);
    return m;
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public String toString() {
    return toTable();
  }
}
