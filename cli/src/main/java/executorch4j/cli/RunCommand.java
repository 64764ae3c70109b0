package executorch4j.cli;

import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.MethodMeta;
import executorch4j.ProfileReport;
import executorch4j.Tensor;
import executorch4j.TensorMeta;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code run}: one call of a method on given or seeded inputs, with optional profiles. */
final class RunCommand {
  private final PrintStream out;
  private final PrintStream err;

  RunCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  void run(String[] args) {
    Options o = Options.parse("run", args);
    try (var model = ExecuTorchModel.load(o.model(), o.loadOptions())) {
      MethodMeta meta = Options.methodOf(model, o);
      List<TensorMeta> declared = meta.inputs();
      if (!o.random() && o.inputs().size() != declared.size()) {
        throw new Main.UsageException(
            o.method()
                + " takes "
                + declared.size()
                + " input(s) ("
                + declared.stream().map(TensorMeta::toString).collect(Collectors.joining(", "))
                + "); give one --input each, or --random");
      }
      Tensor[] inputs = new Tensor[declared.size()];
      for (int i = 0; i < inputs.length; i++) {
        TensorMeta t = declared.get(i);
        inputs[i] = o.random() ? Inputs.random(t, i) : Inputs.parse(t, o.inputs().get(i));
      }
      Map<String, Tensor> outputs = model.execute(o.method(), inputs);
      if (o.json()) {
        out.println(Json.outputs(outputs));
      } else {
        for (var e : outputs.entrySet()) {
          Tensor t = e.getValue();
          out.printf(
              "%s %s%s = %s%n",
              e.getKey(), t.dtype(), Arrays.toString(t.shape()).replace(" ", ""), Json.values(t));
        }
      }
      if (model.isProfiling()) {
        ProfileReport report = model.profile();
        if (o.extra().containsKey("--profile")) {
          (o.json() ? err : out).print(report.toTable());
        }
        write(
            o.extra().get("--trace"),
            report.toChromeTrace().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        write(o.extra().get("--etdump"), o.extra().containsKey("--etdump") ? model.etdump() : null);
      }
    }
  }

  private void write(String file, byte[] data) {
    if (file == null) {
      return;
    }
    try {
      java.nio.file.Files.write(Path.of(file), data);
      err.println("wrote " + file + " (" + data.length + " bytes)");
    } catch (IOException e) {
      throw new ExecuTorchException(
          executorch4j.ErrorCode.ACCESS_FAILED, "cannot write " + file + ": " + e.getMessage());
    }
  }
}
