package executorch4j;

import java.util.Objects;

/**
 * A delegate backend executorch4j knows, and whether a program delegated to it can run here (as
 * ONNX Runtime's execution providers): see {@link ExecuTorchRuntime#backends()}.
 *
 * @param name the backend id programs name (e.g. {@code XnnpackBackend}, {@code OpenvinoBackend})
 * @param available whether a method delegated to it loads in this process
 * @param detail when available, what provides it (e.g. where OpenVINO's runtime was found); when
 *     not, why not
 * @param fix what to install or set to make it available; empty when available or when nothing
 *     would help on this platform
 */
public record Backend(String name, boolean available, String detail, String fix) {
  public Backend {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(fix, "fix");
  }

  /**
   * One line, e.g. {@code OpenvinoBackend: unavailable — libopenvino_c.so not found; pip install
   * openvino==2026.4.1 or set OPENVINO_LIB_PATH}.
   */
  @Override
  public String toString() {
    return name
        + (available ? ": available — " : ": unavailable — ")
        + detail
        + (fix.isEmpty() ? "" : "; " + fix);
  }
}
