package executorch4j.cli;

import executorch4j.DType;
import executorch4j.ExecuTorchModel;
import executorch4j.MethodMeta;
import executorch4j.MethodOperators;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Minimal JSON writing (the library has no dependencies). */
final class Json {
  private Json() {}

  static String values(Tensor t) {
    if (t.dtype().isRawStorage()) {
      // Raw storage (float8, quantized, bit-packed): its bytes, unsigned.
      StringBuilder sb = new StringBuilder("[");
      byte[] raw = t.toByteArray();
      for (int i = 0; i < raw.length; i++) {
        sb.append(i > 0 ? "," : "").append(raw[i] & 0xFF);
      }
      return sb.append(']').toString();
    }
    if (t.dtype().isComplex()) {
      // Interleaved (real, imaginary) pairs.
      StringBuilder sb = new StringBuilder("[");
      double[] parts = t.toDoubleArray();
      for (int i = 0; i < parts.length; i++) {
        sb.append(i > 0 ? "," : "")
            .append(Double.isFinite(parts[i]) ? Double.toString(parts[i]) : "null");
      }
      return sb.append(']').toString();
    }
    if (t.dtype() == DType.UINT64) {
      StringBuilder sb = new StringBuilder("[");
      long[] v = t.toLongArray();
      for (int i = 0; i < v.length; i++) {
        sb.append(i > 0 ? "," : "").append(Long.toUnsignedString(v[i]));
      }
      return sb.append(']').toString();
    }
    StringBuilder sb = new StringBuilder("[");
    long n = t.numel();
    for (long i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      double v = t.getDouble(i);
      if (t.dtype() == DType.BOOL) {
        sb.append(v != 0);
      } else if (!t.dtype().isFloatingPoint()) {
        sb.append((long) v);
      } else if (Double.isFinite(v)) {
        sb.append(t.dtype() == DType.FLOAT64 ? Double.toString(v) : Float.toString((float) v));
      } else {
        sb.append("null");
      }
    }
    return sb.append(']').toString();
  }

  static String outputs(Map<String, Tensor> outputs) {
    return outputs.entrySet().stream()
        .map(
            e ->
                "{\"name\":"
                    + str(e.getKey())
                    + ",\"dtype\":"
                    + str(e.getValue().dtype().label())
                    + ",\"shape\":"
                    + longs(e.getValue().shape())
                    + ",\"data\":"
                    + values(e.getValue())
                    + "}")
        .collect(Collectors.joining(",", "{\"outputs\":[", "]}"));
  }

  static String inspect(ExecuTorchModel model, List<MethodOperators> operators) {
    return inspect(model.methodNames().stream().map(model::methodMeta).toList(), operators);
  }

  /** Every method's declared signature, backends and operators. */
  static String inspect(List<MethodMeta> methods, List<MethodOperators> operators) {
    return methods.stream()
        .map(
            m -> {
              String name = m.name();
              MethodOperators ops =
                  operators.stream()
                      .filter(x -> x.method().equals(name))
                      .findFirst()
                      .orElse(new MethodOperators(name, List.of(), List.of()));
              return "{\"name\":"
                  + str(name)
                  + ",\"inputs\":"
                  + metas(m.inputs())
                  + ",\"outputs\":"
                  + metas(m.outputs())
                  + ",\"planned_bytes\":"
                  + m.plannedBytes()
                  + ",\"backends\":"
                  + strs(m.backends())
                  + ",\"operators\":"
                  + strs(ops.operators())
                  + ",\"missing_operators\":"
                  + strs(ops.missing())
                  + "}";
            })
        .collect(Collectors.joining(",", "{\"methods\":[", "]}"));
  }

  /** Each backend as {"name","available","detail","fix"}. */
  static String backends(List<executorch4j.Backend> bs) {
    return bs.stream()
        .map(
            b ->
                "{\"name\":"
                    + str(b.name())
                    + ",\"available\":"
                    + b.available()
                    + ",\"detail\":"
                    + str(b.detail())
                    + ",\"fix\":"
                    + str(b.fix())
                    + "}")
        .collect(Collectors.joining(",", "[", "]"));
  }

  static String strs(List<String> xs) {
    return xs.stream().map(Json::str).collect(Collectors.joining(",", "[", "]"));
  }

  private static String metas(List<TensorMeta> ts) {
    return ts.stream()
        .map(
            t ->
                "{\"name\":"
                    + str(t.name())
                    + ",\"dtype\":"
                    + (t.isTensor() ? str(t.dtype().label()) : "null")
                    + ",\"shape\":"
                    + longs(t.shape())
                    + ",\"nbytes\":"
                    + t.nbytes()
                    + "}")
        .collect(Collectors.joining(",", "[", "]"));
  }

  private static String longs(long[] xs) {
    return Arrays.stream(xs).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
  }

  static String str(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
