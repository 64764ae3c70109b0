package executorch4j;

import static executorch4j.internal.Native.check;

import executorch4j.internal.ffi.Et4j;
import executorch4j.internal.ffi.et_profile_event;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the facade's event tracer recorded for a method: per-operator events and the ETDump.
 */
final class Profiling {
  private Profiling() {}

  /** The method whose profile is asked for: the last one run, with the tracer attached. */
  static <M> M profiled(boolean profiling, M lastRun) {
    if (!profiling) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_STATE,
          "profiling is off: call enableProfiling(true) or load with LoadOptions.withProfiling(true)");
    }
    if (lastRun == null) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_STATE, "no execute since profiling was enabled");
    }
    return lastRun;
  }

  /**
   * The events of the last execute of method {@code method} (an et_method handle), named {@code
   * name}.
   */
  static ProfileReport report(MemorySegment method, String name) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment count = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_method_profile_count(method, count));
      MemorySegment ev = et_profile_event.allocate(tmp);
      List<ProfileReport.Event> events = new ArrayList<>();
      for (long i = 0; i < count.get(ValueLayout.JAVA_LONG, 0); i++) {
        check(Et4j.et_method_profile_event(method, i, ev));
        events.add(
            new ProfileReport.Event(
                et_profile_event.name(ev).getString(0),
                ProfileReport.Kind.of(et_profile_event.kind(ev)),
                et_profile_event.instruction(ev),
                et_profile_event.start_ns(ev),
                et_profile_event.duration_ns(ev)));
      }
      return new ProfileReport(name, events);
    }
  }

  /** Every execute of the method since its tracer was attached, in ExecuTorch's ETDump format. */
  static byte[] etdump(MemorySegment method) {
    try (Arena tmp = Arena.ofConfined()) {
      MemorySegment data = tmp.allocate(ValueLayout.ADDRESS);
      MemorySegment size = tmp.allocate(ValueLayout.JAVA_LONG);
      check(Et4j.et_method_etdump(method, data, size));
      MemorySegment buf = data.get(ValueLayout.ADDRESS, 0);
      try {
        return buf.reinterpret(size.get(ValueLayout.JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE);
      } finally {
        Et4j.et_free(buf);
      }
    }
  }
}
