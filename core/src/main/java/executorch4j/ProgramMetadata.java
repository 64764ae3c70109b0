package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_method_info;
import executorch4j.internal.ffi.et_segment_info;
import executorch4j.internal.ffi.et_tensor_info;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Reads what a loaded program says about itself: methods, their inputs and outputs, segments. */
final class ProgramMetadata {
  private static final int MAX_RANK = Et4j.ET_MAX_RANK();

  private ProgramMetadata() {}

  static List<String> methodNames(MemorySegment program) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_program_method_count(program, count));
      List<String> names = new ArrayList<>();
      MemorySegment buf = tmp.allocate(256);
      MemorySegment len = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < count.get(ValueLayout.JAVA_LONG, 0); i++) {
        check(Et4j.et_program_method_name(program, i, buf, buf.byteSize(), len));
        names.add(buf.getString(0));
      }
      return List.copyOf(names);
    }
  }

  static List<Segment> segments(MemorySegment program) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_program_segment_count(program, count));
      List<Segment> out = new ArrayList<>();
      MemorySegment info = et_segment_info.allocate(tmp);
      for (long i = 0; i < count.get(ValueLayout.JAVA_LONG, 0); i++) {
        check(Et4j.et_program_segment(program, i, info));
        out.add(
            new Segment(
                et_segment_info.offset(info),
                et_segment_info.size(info),
                Segment.Kind.values()[Math.min(3, Math.max(0, et_segment_info.kind(info)))],
                et_segment_info.name(info).getString(0)));
      }
      return List.copyOf(out);
    }
  }

  /** The method's metadata as the program declares it (dynamic dimensions not yet known). */
  static MethodMeta method(MemorySegment program, String name) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment cname = tmp.allocateFrom(name);
      MemorySegment info = et_method_info.allocate(tmp);
      check(Et4j.et_program_method_info(program, cname, info));
      List<TensorMeta> inputs = new ArrayList<>();
      List<TensorMeta> outputs = new ArrayList<>();
      MemorySegment ti = et_tensor_info.allocate(tmp);
      for (int io = 0; io < 2; io++) {
        long n = io == 0 ? et_method_info.num_inputs(info) : et_method_info.num_outputs(info);
        for (long i = 0; i < n; i++) {
          check(Et4j.et_program_tensor_info(program, cname, io, i, ti));
          (io == 0 ? inputs : outputs).add(tensorMeta((io == 0 ? "input_" : "output_") + i, ti));
        }
      }
      List<Long> planned = new ArrayList<>();
      MemorySegment size = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < et_method_info.num_planned_buffers(info); i++) {
        check(Et4j.et_program_planned_buffer_size(program, cname, i, size));
        planned.add(size.get(ValueLayout.JAVA_LONG, 0));
      }
      List<String> backends = new ArrayList<>();
      MemorySegment buf = tmp.allocate(256);
      MemorySegment len = tmp.allocate(ValueLayout.JAVA_LONG);
      for (long i = 0; i < et_method_info.num_backends(info); i++) {
        check(Et4j.et_program_backend_name(program, cname, i, buf, buf.byteSize(), len));
        backends.add(buf.getString(0));
      }
      return new MethodMeta(name, inputs, outputs, planned, backends);
    }
  }

  /**
   * Adds the input dimensions the loaded method lets shrink (the metadata does not say; the runtime
   * is asked).
   */
  static MethodMeta withDynamicDims(MethodMeta meta, MemorySegment method) {
    List<TensorMeta> inputs = new ArrayList<>();
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment mask = tmp.allocate(MAX_RANK);
      for (int i = 0; i < meta.inputs().size(); i++) {
        TensorMeta t = meta.inputs().get(i);
        check(Et4j.et_method_input_dynamic_dims(method, i, mask));
        inputs.add(withDynamicMask(t, mask));
      }
    }
    return new MethodMeta(
        meta.name(), inputs, meta.outputs(), meta.plannedBufferSizes(), meta.backends());
  }

  private static TensorMeta tensorMeta(String name, MemorySegment ti) {
    boolean isTensor = et_tensor_info.kind(ti) == 1;
    int rank = et_tensor_info.rank(ti);
    long[] shape = new long[isTensor ? rank : 0];
    int[] order = new int[shape.length];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = et_tensor_info.sizes(ti, d);
      order[d] = Byte.toUnsignedInt(et_tensor_info.dim_order(ti, d));
    }
    DType dtype = null;
    if (isTensor) {
      int code = et_tensor_info.dtype(ti);
      try {
        dtype = DType.fromCode(code);
      } catch (ExecuTorchException e) {
        throw new ExecuTorchException(ErrorCode.UNSUPPORTED_DTYPE, name + ": " + e.getMessage());
      }
    }
    return new TensorMeta(
        name,
        isTensor,
        dtype,
        shape,
        order,
        et_tensor_info.nbytes(ti),
        et_tensor_info.memory_planned(ti) != 0,
        List.of());
  }

  /**
   * {@code t} with the dimensions the facade's byte mask (one byte per dimension) marks dynamic.
   */
  static TensorMeta withDynamicMask(TensorMeta t, MemorySegment mask) {
    List<Integer> dims = new ArrayList<>();
    for (int d = 0; d < t.rank(); d++) {
      if (mask.get(ValueLayout.JAVA_BYTE, d) != 0) {
        dims.add(d);
      }
    }
    return t.withDynamicDims(dims);
  }
}
