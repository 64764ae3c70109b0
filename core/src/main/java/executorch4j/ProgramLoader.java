package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.Registry;
import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_read_fn;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;

/**
 * Turns a {@link ModelSource} into a {@link Program}. A streamed channel stays registered for the
 * read upcall until the program is closed: the runtime reads data segments from it lazily, for as
 * long as the program lives.
 */
final class ProgramLoader {
  /** Channels being streamed, found by the read upcall through its userdata. */
  private static final Registry<SeekableByteChannel> CHANNELS = new Registry<>();

  /**
   * The read upcall stub, made at the first streamed load: making one costs 50-120 ms in a fresh
   * JVM, which loading from a file, bytes or memory never needs.
   */
  private static final class Read {
    static final MemorySegment STUB =
        et_read_fn.allocate(ProgramLoader::readUpcall, Arena.global());
  }

  private ProgramLoader() {}

  private static final Runnable NOTHING = () -> {};

  /** Loads a program only to read what it declares (mapped when it is a file). */
  static Program loadForMetadata(ModelSource source) {
    return loadAsIs(source, LoadOptions.defaults().withLoadMode(LoadMode.MMAP));
  }

  /**
   * Loads a program whose methods will be loaded. One delegated to OpenVINO is held in memory the
   * program owns: ExecuTorch 1.5.1's OpenVINO backend frees its delegate blob right after {@code
   * ov_core_import_model}, and OpenVINO 2026 still reads it while the method loads (mapped, the
   * load crashes with SIGSEGV; read into the heap it is a use-after-free, see KNOWN_ISSUES.md).
   * Program-owned bytes have a no-op free, so the blob lives as long as the program.
   */
  static Program load(ModelSource source, LoadOptions options) {
    Program program = loadAsIs(source, options);
    boolean copies =
        source instanceof ModelSource.Bytes
            || source instanceof ModelSource.Memory
            || source instanceof ModelSource.Stream;
    if (copies
        || program.methods().stream().noneMatch(m -> m.backends().contains(Backends.OPENVINO))) {
      return program;
    }
    program.close();
    int verify =
        options.verify() ? Et4j.ET_VERIFY_INTERNAL_CONSISTENCY() : Et4j.ET_VERIFY_MINIMAL();
    try (Arena tmp = Arena.ofConfined()) {
      byte[] bytes = readAll(source);
      return fromCopy(MemorySegment.ofArray(bytes), verify, tmp, tmp.allocate(ValueLayout.ADDRESS));
    }
  }

  private static byte[] readAll(ModelSource source) {
    try {
      if (source instanceof ModelSource.File f) {
        return Files.readAllBytes(f.path());
      }
      SeekableByteChannel c = ((ModelSource.Channel) source).channel();
      ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(c.size()));
      synchronized (c) {
        c.position(0);
        while (buf.hasRemaining() && c.read(buf) >= 0) {}
      }
      return buf.array();
    } catch (IOException | ArithmeticException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read the model into memory: " + e.getMessage(), e);
    }
  }

  private static Program loadAsIs(ModelSource source, LoadOptions options) {
    int verify =
        options.verify() ? Et4j.ET_VERIFY_INTERNAL_CONSISTENCY() : Et4j.ET_VERIFY_MINIMAL();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment out = tmp.allocate(ValueLayout.ADDRESS);
      switch (source) {
        case ModelSource.File f -> {
          int mode =
              switch (options.effectiveLoadMode()) {
                case FILE -> Et4j.ET_LOAD_FILE();
                case MMAP -> Et4j.ET_LOAD_MMAP();
                case MMAP_MLOCK -> Et4j.ET_LOAD_MMAP_MLOCK();
              };
          long size = Files.isRegularFile(f.path()) ? f.path().toFile().length() : 0;
          check(
              Et4j.et_program_load_file(
                  tmp.allocateFrom(f.path().toAbsolutePath().toString()), mode, verify, out));
          return new Program(out.get(ValueLayout.ADDRESS, 0), size, NOTHING);
        }
        case ModelSource.Bytes b -> {
          return fromCopy(MemorySegment.ofArray(b.bytes()), verify, tmp, out);
        }
        case ModelSource.Memory m when !m.data().isNative() -> {
          return fromCopy(m.data(), verify, tmp, out);
        }
        case ModelSource.Memory m -> {
          check(Et4j.et_program_load_buffer(m.data(), m.data().byteSize(), verify, out));
          return new Program(out.get(ValueLayout.ADDRESS, 0), m.data().byteSize(), NOTHING);
        }
        case ModelSource.Stream s -> {
          byte[] bytes;
          try {
            bytes = s.in().readAllBytes();
          } catch (IOException e) {
            throw new ExecuTorchException(
                ErrorCode.IO_ERROR, "cannot read the model stream: " + e.getMessage(), e);
          }
          return fromCopy(MemorySegment.ofArray(bytes), verify, tmp, out);
        }
        case ModelSource.Channel c -> {
          return fromChannel(c.channel(), verify, out);
        }
      }
    }
  }

  /**
   * Heap bytes: one copy into native memory for the duration of the load (the runtime copies what
   * it keeps).
   */
  private static Program fromCopy(MemorySegment heap, int verify, Arena tmp, MemorySegment out) {
    long size = heap.byteSize();
    MemorySegment seg = tmp.allocate(Math.max(1, size)).asSlice(0, size).copyFrom(heap);
    check(Et4j.et_program_load_buffer(seg, size, verify, out));
    return new Program(out.get(ValueLayout.ADDRESS, 0), size, NOTHING);
  }

  private static Program fromChannel(SeekableByteChannel channel, int verify, MemorySegment out) {
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot size the model channel: " + e.getMessage(), e);
    }
    MemorySegment id = CHANNELS.add(channel);
    try {
      check(Et4j.et_program_load_stream(Read.STUB, id, size, verify, out));
    } catch (RuntimeException | Error e) {
      CHANNELS.remove(id);
      throw e;
    }
    return new Program(
        out.get(ValueLayout.ADDRESS, 0), size, () -> CHANNELS.remove(id)); // owns id from here
  }

  /**
   * Upcall body: never lets an exception escape (that would kill the JVM); -1 tells the facade it
   * failed.
   */
  private static long readUpcall(MemorySegment userdata, long offset, MemorySegment dst, long n) {
    SeekableByteChannel channel = CHANNELS.get(userdata);
    if (channel == null) {
      return -1;
    }
    try {
      ByteBuffer buf = dst.reinterpret(n).asByteBuffer();
      synchronized (channel) {
        channel.position(offset);
        while (buf.hasRemaining()) {
          if (channel.read(buf) < 0) {
            return -1;
          }
        }
      }
      return n;
    } catch (Throwable t) {
      return -1;
    }
  }
}
