package executorch4j;

/**
 * One data segment of a {@code .pte}, stored after the program flatbuffer: the constant tensors or
 * a delegate's compiled blob. A streaming load ({@link ExecuTorchModel#load(
 * java.nio.channels.SeekableByteChannel)}) reads the flatbuffer once and then each segment once,
 * when it is needed; these are the byte ranges it reads.
 *
 * @param offset absolute byte offset in the file
 * @param size bytes of data (padding after it is not read)
 * @param kind what the segment holds
 * @param name the backend id of a {@link Kind#DELEGATE} blob, the key of {@link Kind#NAMED_DATA}
 *     (at most 63 bytes), else empty
 */
public record Segment(long offset, long size, Kind kind, String name) {

  /** What a segment holds. */
  public enum Kind {
    /** Anything else, e.g. mutable data. */
    OTHER,
    /** The program's constant tensors (weights). */
    CONSTANTS,
    /** A delegate backend's processed blob (e.g. XNNPACK's packed graph). */
    DELEGATE,
    /** A blob stored by key, e.g. weights a delegate loads through the named-data map. */
    NAMED_DATA
  }

  @Override
  public String toString() {
    return kind + (name.isEmpty() ? "" : " " + name) + " [" + offset + ", +" + size + ")";
  }
}
