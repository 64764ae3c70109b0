package executorch4j.godot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A Godot {@code FileAccess}, held as a {@code Ref}: res:// (project folder or mounted PCK packs),
 * user:// and OS paths, exactly as GDScript sees them. As a read-only {@link SeekableByteChannel}
 * it lets {@code ExecuTorchModel.load(channel)} stream a model segment by segment (seek +
 * get_buffer), so a large model in a pack is never materialized whole.
 *
 * <p>Not thread-safe; the model that streams from it serializes its reads.
 */
final class GodotFile implements SeekableByteChannel {
  static final int READ = 1;
  static final int WRITE = 2;

  /** Largest single get_buffer: bounds the temporary PackedByteArray. */
  private static final int MAX_CHUNK = 1 << 20;

  private final Gd gd;
  private final String path;
  private MemorySegment object; // FileAccess*, NULL once closed
  private long position;
  private final long length;

  private GodotFile(Gd gd, String path, MemorySegment object) {
    this.gd = gd;
    this.path = path;
    this.object = object;
    this.length = call(Gd.HASH_FILE_LENGTH, "get_length");
  }

  /** Opens {@code path}; on failure throws with Godot's open error. */
  static GodotFile open(Gd gd, String path, int mode) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment str = a.allocate(GType.STRING.size, 8);
      gd.newString(str, path, a);
      MemorySegment flags = a.allocate(ValueLayout.JAVA_LONG);
      flags.set(ValueLayout.JAVA_LONG, 0, mode);
      MemorySegment ref = a.allocate(ValueLayout.ADDRESS); // a Ref<FileAccess>, NULL until set
      ref.set(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
      try {
        gd.ptrcallEngine(
            gd.methodBind("FileAccess", "open", Gd.HASH_FILE_OPEN),
            MemorySegment.NULL,
            ref,
            str,
            flags);
      } finally {
        gd.destroy(GType.STRING, str);
      }
      MemorySegment file = ref.get(ValueLayout.ADDRESS, 0);
      if (file.equals(MemorySegment.NULL)) {
        MemorySegment err = a.allocate(ValueLayout.JAVA_LONG);
        gd.ptrcallEngine(
            gd.methodBind("FileAccess", "get_open_error", Gd.HASH_FILE_OPEN_ERROR),
            MemorySegment.NULL,
            err);
        long code = err.get(ValueLayout.JAVA_LONG, 0);
        throw new IOException(
            "cannot open "
                + path
                + (mode == READ ? "" : " for writing")
                + ": "
                + (code == 7 ? "file not found" : "Godot error " + code));
      }
      return new GodotFile(gd, path, file);
    }
  }

  /** FileAccess.file_exists: res:// inside packs too. */
  static boolean exists(Gd gd, String path) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment str = a.allocate(GType.STRING.size, 8);
      gd.newString(str, path, a);
      MemorySegment ret = a.allocate(8);
      try {
        gd.ptrcallEngine(
            gd.methodBind("FileAccess", "file_exists", Gd.HASH_FILE_EXISTS),
            MemorySegment.NULL,
            ret,
            str);
      } finally {
        gd.destroy(GType.STRING, str);
      }
      return ret.get(ValueLayout.JAVA_BYTE, 0) != 0;
    }
  }

  /** The whole file, read in chunks (for saving or checking a model, not for loading it). */
  static byte[] readAll(Gd gd, String path) throws IOException {
    try (GodotFile f = open(gd, path, READ)) {
      ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(f.size()));
      while (all.hasRemaining() && f.read(all) > 0) {
        // next chunk
      }
      return all.array();
    } catch (ArithmeticException e) {
      throw new IOException(path + " is too large to read at once (" + e.getMessage() + ")");
    }
  }

  String path() {
    return path;
  }

  @Override
  public synchronized int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= length) {
      return -1;
    }
    int n = (int) Math.min(Math.min(dst.remaining(), MAX_CHUNK), length - position);
    if (n == 0) {
      return 0;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment pos = a.allocate(ValueLayout.JAVA_LONG);
      pos.set(ValueLayout.JAVA_LONG, 0, position);
      gd.ptrcallEngine(
          gd.methodBind("FileAccess", "seek", Gd.HASH_FILE_SEEK), object, MemorySegment.NULL, pos);
      MemorySegment len = a.allocate(ValueLayout.JAVA_LONG);
      len.set(ValueLayout.JAVA_LONG, 0, n);
      MemorySegment data = a.allocate(GType.PACKED_BYTE_ARRAY.size, 8);
      gd.construct(GType.PACKED_BYTE_ARRAY, data);
      try {
        gd.ptrcallEngine(
            gd.methodBind("FileAccess", "get_buffer", Gd.HASH_FILE_GET_BUFFER), object, data, len);
        MemorySegment got = gd.variants.packedData(GType.PACKED_BYTE_ARRAY, data, 1);
        if (got.byteSize() == 0) {
          throw new IOException(
              "read of " + n + " bytes at " + position + " in " + path + " returned nothing");
        }
        MemorySegment.ofBuffer(dst).copyFrom(got.asSlice(0, Math.min(got.byteSize(), n)));
        int read = (int) Math.min(got.byteSize(), n);
        dst.position(dst.position() + read);
        position += read;
        return read;
      } finally {
        gd.destroy(GType.PACKED_BYTE_ARRAY, data);
      }
    }
  }

  /** Appends bytes (a file opened with {@link #WRITE}). */
  synchronized void write(byte[] bytes, int offset, int count) throws IOException {
    ensureOpen();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment data = a.allocate(GType.PACKED_BYTE_ARRAY.size, 8);
      gd.variants.writeValue(
          java.util.Arrays.copyOfRange(bytes, offset, offset + count),
          GType.PACKED_BYTE_ARRAY,
          data,
          a);
      try {
        gd.ptrcallEngine(
            gd.methodBind("FileAccess", "store_buffer", Gd.HASH_FILE_STORE_BUFFER),
            object,
            MemorySegment.NULL,
            data);
      } finally {
        gd.destroy(GType.PACKED_BYTE_ARRAY, data);
      }
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public synchronized long position() {
    return position;
  }

  @Override
  public synchronized SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return length;
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public synchronized boolean isOpen() {
    return !object.equals(MemorySegment.NULL);
  }

  /** FileAccess.close(), then drops our reference (Godot frees the object at zero, like Ref). */
  @Override
  public synchronized void close() {
    if (object.equals(MemorySegment.NULL)) {
      return;
    }
    MemorySegment o = object;
    object = MemorySegment.NULL;
    gd.ptrcallEngine(
        gd.methodBind("FileAccess", "close", Gd.HASH_FILE_CLOSE), o, MemorySegment.NULL);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment last = a.allocate(8);
      gd.ptrcallEngine(gd.methodBind("RefCounted", "unreference", Gd.HASH_UNREFERENCE), o, last);
      if (last.get(ValueLayout.JAVA_BYTE, 0) != 0) {
        gd.api.objectDestroy(o);
      }
    }
  }

  private long call(long hash, String method) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment ret = a.allocate(ValueLayout.JAVA_LONG);
      gd.ptrcallEngine(gd.methodBind("FileAccess", method, hash), object, ret);
      return ret.get(ValueLayout.JAVA_LONG, 0);
    }
  }

  private void ensureOpen() throws IOException {
    if (object.equals(MemorySegment.NULL)) {
      throw new ClosedChannelException();
    }
  }
}
