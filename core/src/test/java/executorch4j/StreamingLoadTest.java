package executorch4j;

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

    @Override
    public int write(ByteBuffer src) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long position() throws IOException {
      return file.position();
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
      file.position(p);
      return this;
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "linear_regression",
        "mlp_portable",
        "mlp_xnnpack",
        "cnn_xnnpack",
        "mlp_int8_xnnpack"
      })
  void readsTheFlatbufferOnceAndEachSegmentOnce(String name) throws Exception {
    Path path = Fixtures.pte(name);
    long fileSize = Files.size(path);
    try (RecordingChannel channel = new RecordingChannel(path);
        ExecuTorchModel streamed = ExecuTorchModel.load(ModelSource.channel(channel));
        ExecuTorchModel whole = ExecuTorchModel.load(path)) {
      List<long[]> reads = new ArrayList<>(channel.reads);
      reads.sort(Comparator.comparingLong(r -> r[0]));
      for (int i = 1; i < reads.size(); i++) {
        assertTrue(
            reads.get(i - 1)[0] + reads.get(i - 1)[1] <= reads.get(i)[0],
            "bytes read twice: " + describe(reads));
      }
      long largest = reads.stream().mapToLong(r -> r[1]).max().orElseThrow();
      assertTrue(largest < fileSize, "the whole file was read at once: " + describe(reads));

      // The expected segment table comes from the file itself, read by the test's own parser
      // (extended header segment_base_offset + Program.segments), not from the library.
      PteFile pte = PteFile.read(path);
      assertEquals("ET12", pte.identifier());
      List<long[]> segments = pte.segments();
      assertTrue(!segments.isEmpty(), name + " has data segments");
      int nonEmpty = 0;
      for (long[] s : segments) {
        if (s[1] == 0) {
          continue; // an empty segment has nothing to read; counted below
        }
        nonEmpty++;
        long matching = channel.reads.stream().filter(r -> r[0] == s[0] && r[1] == s[1]).count();
        assertEquals(
            1,
            matching,
            "segment [" + s[0] + ", +" + s[1] + ") is read once, in one read: " + describe(reads));
      }
      assertEquals(segments.stream().filter(s -> s[1] > 0).count(), nonEmpty);
      // Everything else read is the head: extended header + flatbuffer, before the first segment.
      long firstSegment = pte.segmentBaseOffset();
      assertTrue(pte.programSize() <= firstSegment && firstSegment < fileSize);
      for (long[] r : reads) {
        boolean isSegment = segments.stream().anyMatch(s -> s[0] == r[0] && s[1] == r[1]);
        assertTrue(isSegment || r[0] + r[1] <= firstSegment, "stray read " + r[0] + "+" + r[1]);
      }
      // The head is read: every byte of the program flatbuffer was read at least once.
      long headRead =
          reads.stream()
              .filter(r -> r[0] < pte.programSize())
              .mapToLong(r -> Math.min(r[0] + r[1], pte.programSize()) - r[0])
              .sum();
      assertEquals(pte.programSize(), headRead, "the program flatbuffer, once: " + describe(reads));
      // The library reports the same table, for streamed and whole-file loads.
      assertEquals(
          segments.stream().map(s -> s[0] + "+" + s[1]).toList(),
          streamed.segments().stream().map(s -> s.offset() + "+" + s.size()).toList());
      assertEquals(whole.segments(), streamed.segments());
      Tensor[] x =
          Fixtures.golden(name).methods().get("forward").cases().get(0).inputs().stream()
              .map(Fixtures.Value::toTensor)
              .toArray(Tensor[]::new);
      var golden = Fixtures.golden(name);
      Fixtures.assertMatches(
          golden.methods().get("forward").cases().get(0).outputs().get(0),
          streamed.forward(x).get("output_0"),
          golden.tolerance(),
          name + " streamed");
      Fixtures.assertMatches(
          golden.methods().get("forward").cases().get(0).outputs().get(0),
          whole.forward(x).get("output_0"),
          golden.tolerance(),
          name + " whole file");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp_xnnpack", "cnn_xnnpack"})
  void delegateBlobsAndConstantsAreNamed(String name) {
    PteFile pte = PteFile.read(Fixtures.pte(name));
    try (ExecuTorchModel m = ExecuTorchModel.load(Fixtures.pte(name))) {
      assertEquals(pte.segments().size(), m.segments().size(), m.segments().toString());
      assertTrue(
          m.segments().stream()
              .anyMatch(
                  s -> s.kind() == Segment.Kind.DELEGATE && s.name().equals("XnnpackBackend")),
          m.segments().toString());
      long total = pte.segments().stream().mapToLong(s -> s[1]).sum();
      assertEquals(total, m.segments().stream().mapToLong(Segment::size).sum());
      assertTrue(total > 0 && total < Files.size(Fixtures.pte(name)), m.segments().toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
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
