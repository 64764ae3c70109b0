package executorch4j.cli;

import executorch4j.Backend;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.ExecuTorchRuntime;
import executorch4j.MethodMeta;
import executorch4j.MethodOperators;
import executorch4j.ProgramInfo;
import executorch4j.Segment;
import executorch4j.TensorMeta;
import java.io.PrintStream;
import java.util.List;

/** {@code inspect}: what a program declares and needs, or what the runtime has. */
final class InspectCommand {
  private final PrintStream out;

  InspectCommand(PrintStream out) {
    this.out = out;
  }

  void run(String[] args) {
    Options o = Options.parse("inspect", args);
    if (o.extra().containsKey("--runtime")) {
      if (o.model() != null) {
        throw new Main.UsageException("inspect --runtime takes no model");
      }
      List<String> backends = ExecuTorchRuntime.registeredBackends();
      List<Backend> known = ExecuTorchRuntime.backends();
      List<String> ops = ExecuTorchRuntime.registeredOperators();
      if (o.json()) {
        out.println(
            "{\"backends\":"
                + Json.strs(backends)
                + ",\"backend_status\":"
                + Json.backends(known)
                + ",\"operators\":"
                + Json.strs(ops)
                + "}");
      } else {
        out.printf(
            "%s%nbackends (%d): %s%n",
            ExecuTorchRuntime.version(), backends.size(), String.join(", ", backends));
        // Every backend executorch4j knows, whether it can run here, and what would make it.
        known.forEach(b -> out.println("  " + b));
        out.printf("operators (%d):%n", ops.size());
        ops.forEach(op -> out.println("  " + op));
      }
      return;
    }
    // Read from the program alone, so a model that cannot load for want of a kernel still says
    // which.
    List<MethodOperators> operators = ExecuTorchRuntime.operators(o.model());
    ExecuTorchModel loaded;
    try {
      loaded = ExecuTorchModel.load(o.model(), o.loadOptions());
    } catch (ExecuTorchException e) {
      // What the program declares is still known: say it all, then the load error.
      ProgramInfo info = ExecuTorchRuntime.inspect(o.model());
      if (o.json()) {
        out.println(Json.inspect(info.methods(), operators));
      } else {
        out.printf(
            "%s (%d bytes): cannot load (see the error below)%n", o.model(), info.sourceBytes());
        for (MethodMeta meta : info.methods()) {
          printMethod(meta);
          operators.stream()
              .filter(m -> m.method().equals(meta.name()))
              .forEach(m -> printOperators(m, ""));
        }
      }
      throw e;
    }
    try (var model = loaded) {
      if (o.json()) {
        out.println(Json.inspect(model, operators));
        return;
      }
      out.printf("%s (%d bytes)%n", o.model(), model.sourceBytes());
      for (String name : model.methodNames()) {
        printMethod(model.methodMeta(name));
        operators.stream().filter(m -> m.method().equals(name)).forEach(m -> printOperators(m, ""));
      }
      for (Segment seg : model.segments()) {
        out.printf(
            "segment %-10s %8d bytes at %d%s%n",
            seg.kind().name().toLowerCase(java.util.Locale.ROOT),
            seg.size(),
            seg.offset(),
            seg.name().isEmpty() ? "" : "  " + seg.name());
      }
      out.printf(
          "STATIC pool needed: %d bytes (--pool / MemoryPolicy.STATIC)%n",
          ExecuTorchModel.requiredPoolBytes(o.model()));
    }
  }

  private void printMethod(MethodMeta meta) {
    out.printf(
        "method %s%s%n",
        meta.name(),
        meta.backends().isEmpty()
            ? ""
            : "  [delegated: " + String.join(", ", meta.backends()) + "]");
    for (String id : meta.backends()) {
      out.printf("  backend %s%n", ExecuTorchRuntime.backend(id));
    }
    for (TensorMeta t : meta.inputs()) {
      out.printf("  in   %-10s %s%n", t.name(), t.signature());
    }
    for (TensorMeta t : meta.outputs()) {
      out.printf("  out  %-10s %s%n", t.name(), t.signature());
    }
    out.printf(
        "  planned memory: %d bytes in %d buffer(s)%n",
        meta.plannedBytes(), meta.plannedBufferSizes().size());
  }

  private void printOperators(MethodOperators m, String header) {
    out.print(header);
    out.printf("  operators (%d): %s%n", m.operators().size(), String.join(", ", m.operators()));
    if (!m.isComplete()) {
      out.printf(
          "  missing operators (no kernel in this runtime): %s%n", String.join(", ", m.missing()));
    }
  }
}
