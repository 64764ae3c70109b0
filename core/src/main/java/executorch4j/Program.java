package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded program ({@code et_program*}) and what it declares: method names, each method's
 * signature, data segments, read once when it opens. Owns the handle and, when streamed, the
 * channel the runtime reads segments from; {@link #close()} frees both ({@link ProgramLoader} makes
 * one). Like ExecuTorch's {@code Program}, it loads no method: the model, {@code inspect} and
 * {@code operators} share it.
 */
final class Program implements AutoCloseable {
  private final MemorySegment handle;
  private final long sourceBytes;
  private final Runnable release; // forgets the streamed channel, if any
  private final List<String> methodNames;
  private final List<MethodMeta> methods; // as declared, in program order
  private final List<Segment> segments;
  private int owners = 1; // the runner that loaded it, plus one per instance sharing it
  private boolean closed;

  /**
   * Takes ownership of {@code handle}; {@code release} runs after it is destroyed (a streamed
   * channel is forgotten then). The declared metadata is read here, names, then every method, then
   * segments, so a load in process and an isolated one (which reads only this) fail on a malformed
   * program with the same error. On failure both are freed.
   */
  Program(MemorySegment handle, long sourceBytes, Runnable release) {
    this.handle = handle;
    this.sourceBytes = sourceBytes;
    this.release = release;
    try {
      this.methodNames = ProgramMetadata.methodNames(handle);
      List<MethodMeta> metas = new ArrayList<>();
      for (String name : methodNames) {
        metas.add(ProgramMetadata.method(handle, name));
      }
      this.methods = List.copyOf(metas);
      this.segments = ProgramMetadata.segments(handle);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  MemorySegment handle() {
    return handle;
  }

  /** Bytes of the file or buffer it was loaded from. */
  long sourceBytes() {
    return sourceBytes;
  }

  List<String> methodNames() {
    return methodNames;
  }

  /** Every method's metadata as declared (dynamic dimensions not yet probed), in program order. */
  List<MethodMeta> methods() {
    return methods;
  }

  List<Segment> segments() {
    return segments;
  }

  ProgramInfo info() {
    return new ProgramInfo(methods, segments, sourceBytes);
  }

  /** The operators each method calls, and which of them have no kernel in this runtime now. */
  List<MethodOperators> operators() {
    try (Arena tmp = Arena.ofConfined()) {
      List<MethodOperators> out = new ArrayList<>();
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      MemorySegment registered = tmp.allocate(ValueLayout.JAVA_INT);
      MemorySegment buf = tmp.allocate(256);
      for (String method : methodNames) {
        MemorySegment cname = tmp.allocateFrom(method);
        check(Et4j.et_program_operator_count(handle, cname, count));
        List<String> ops = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (long i = 0; i < count.get(ValueLayout.JAVA_LONG, 0); i++) {
          check(
              Et4j.et_program_operator(
                  handle, cname, i, buf, buf.byteSize(), MemorySegment.NULL, registered));
          String name = buf.getString(0);
          ops.add(name);
          if (registered.get(ValueLayout.JAVA_INT, 0) == 0 && !missing.contains(name)) {
            missing.add(name);
          }
        }
        out.add(new MethodOperators(method, ops, missing));
      }
      return List.copyOf(out);
    }
  }

  /**
   * One more owner (a model instance sharing this program's constants): the program lives until
   * every owner has closed it.
   *
   * @throws ExecuTorchException {@link ErrorCode#CLOSED} once the last owner has closed it
   */
  synchronized Program retain() {
    if (closed) {
      throw new ExecuTorchException(ErrorCode.CLOSED, "the program is closed");
    }
    owners++;
    return this;
  }

  /**
   * Releases one owner; the last one destroys the program, then forgets its streamed channel. Its
   * methods go first. Idempotent once destroyed.
   */
  @Override
  public synchronized void close() {
    if (closed || --owners > 0) {
      return;
    }
    closed = true;
    Et4j.et_program_destroy(handle);
    release.run();
  }
}
