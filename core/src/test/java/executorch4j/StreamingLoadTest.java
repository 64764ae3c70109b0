package executorch4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming loads (a large model need not sit in memory twice): the program flatbuffer is read
 * once, then each segment once, as one read of exactly its bytes. Never the whole file at once.
 */
class StreamingLoadTest {

  /** A file channel that records every read as (position, bytes). */
  static final class RecordingChannel implements SeekableByteChannel {
    final FileChannel file;
    final List<long[]> reads = new ArrayList<>();

    RecordingChannel(Path path) throws IOException {
      file = FileChannel.open(path, StandardOpenOption.READ);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      long at = file.position();
      int n = file.read(dst);
      if (n > 0) {
        reads.add(new long[] {at, n});
      }
      return n;
    }

    @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
    @Override public long position() throws IOException { return file.position(); }
    @Override public SeekableByteChannel position(long p) throws IOException { file.position(p); return this; }
    @Override public long size() throws IOException { return file.size(); }
    @Override public SeekableByteChannel truncate(long size) { throw new UnsupportedOperationException(); }
    @Override public boolean isOpen() { return file.isOpen(); }
    @Override public void close() throws IOException { file.close(); }
  }

  @ParameterizedTest
  @ValueSource(strings = {"linear_regression", "mlp_portable", "mlp_xnnpack", "cnn_xnnpack", "mlp_int8_xnnpack"})
  void readsTheFlatbufferOnceAndEachSegmentOnce(String name) throws Exception {
    Path path = Fixtures.pte(name);
    long fileSize = Files.size(path);
    try (RecordingChannel channel = new RecordingChannel(path);
        ExecuTorchModel streamed = ExecuTorchModel.load(ModelSource.channel(channel));
        ExecuTorchModel whole = ExecuTorchModel.load(path)) {
      List<long[]> reads = new ArrayList<>(channel.reads);
      reads.sort(Comparator.comparingLong(r -> r[0]));
      for (int i = 1; i < reads.size(); i++) {
        assertTrue(reads.get(i - 1)[0] + reads.get(i - 1)[1] <= reads.get(i)[0],
            "bytes read twice: " + describe(reads));
      }
      long largest = reads.stream().mapToLong(r -> r[1]).max().orElseThrow();
      assertTrue(largest < fileSize, "the whole file was read at once: " + describe(reads));

      List<Segment> segments = streamed.segments();
      assertTrue(!segments.isEmpty(), name + " has data segments");
      for (Segment s : segments) {
        if (s.size() == 0) {
          continue; // nothing to read
        }
        long matching = channel.reads.stream().filter(r -> r[0] == s.offset() && r[1] == s.size()).count();
        assertEquals(1, matching, s + " is read once, in one read: " + describe(reads));
      }
      // Everything else read is the head: extended header + flatbuffer, before the first segment.
      long firstSegment = segments.stream().mapToLong(Segment::offset).min().orElseThrow();
      for (long[] r : reads) {
        boolean isSegment = segments.stream().anyMatch(s -> s.offset() == r[0] && s.size() == r[1]);
        assertTrue(isSegment || r[0] + r[1] <= firstSegment, "stray read " + r[0] + "+" + r[1]);
      }
      // Same program, same segments, same answers as a whole-file load.
      assertEquals(whole.segments(), segments);
      Tensor[] x = Fixtures.golden(name).methods().get("forward").cases().get(0).inputs().stream()
          .map(Fixtures.Value::toTensor).toArray(Tensor[]::new);
      assertArrayEquals(whole.forward(x).values().iterator().next().toDoubleArray(),
          streamed.forward(x).values().iterator().next().toDoubleArray());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp_xnnpack", "cnn_xnnpack"})
  void delegateBlobsAndConstantsAreNamed(String name) {
    try (ExecuTorchModel m = ExecuTorchModel.load(Fixtures.pte(name))) {
      assertTrue(m.segments().stream().anyMatch(s -> s.kind() == Segment.Kind.DELEGATE
          && s.name().equals("XnnpackBackend")), m.segments().toString());
      long total = m.segments().stream().mapToLong(Segment::size).sum();
      assertTrue(total > 0 && total < m.sourceBytes(), m.segments().toString());
    }
  }

  private static String describe(List<long[]> reads) {
    StringBuilder b = new StringBuilder();
    for (long[] r : reads) {
      b.append('[').append(r[0]).append(", +").append(r[1]).append(") ");
    }
    return b.toString();
  }
}
