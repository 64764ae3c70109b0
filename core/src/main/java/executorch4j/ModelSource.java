package executorch4j;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a program's bytes come from: one of five kinds, each loaded the cheapest way it allows.
 *
 * <pre>{@code
 * ExecuTorchModel.load(ModelSource.file(path), options);      // mmap or read(), see LoadMode
 * ExecuTorchModel.load(ModelSource.bytes(array), options);    // copied; the array may be reused
 * ExecuTorchModel.load(ModelSource.channel(channel), options); // streamed segment by segment
 * }</pre>
 */
public sealed interface ModelSource {

  /** A {@code .pte} file, read or mapped as {@link LoadOptions#effectiveLoadMode()} says. */
  record File(Path path) implements ModelSource {
    public File {
      Objects.requireNonNull(path, "path");
    }
  }

  /** Bytes in a Java array, copied at load (the array may be reused afterwards). */
  record Bytes(byte[] bytes) implements ModelSource {
    public Bytes {
      Objects.requireNonNull(bytes, "bytes");
    }
  }

  /**
   * Bytes in memory. Native memory is handed to the runtime for the duration of the load (it copies
   * what it keeps), so the segment may be freed afterwards; heap memory is copied.
   */
  record Memory(MemorySegment data) implements ModelSource {
    public Memory {
      Objects.requireNonNull(data, "data");
    }
  }

  /** A stream, read to its end at load (it is not closed). */
  record Stream(InputStream in) implements ModelSource {
    public Stream {
      Objects.requireNonNull(in, "in");
    }
  }

  /**
   * A seekable channel, streamed: the program header and each data segment are read when they are
   * needed, never the whole file at once. The channel must stay open until the model is closed.
   */
  record Channel(SeekableByteChannel channel) implements ModelSource {
    public Channel {
      Objects.requireNonNull(channel, "channel");
    }
  }

  static ModelSource file(Path path) {
    return new File(path);
  }

  static ModelSource bytes(byte[] bytes) {
    return new Bytes(bytes);
  }

  static ModelSource memory(MemorySegment data) {
    return new Memory(data);
  }

  static ModelSource stream(InputStream in) {
    return new Stream(in);
  }

  static ModelSource channel(SeekableByteChannel channel) {
    return new Channel(channel);
  }
}
