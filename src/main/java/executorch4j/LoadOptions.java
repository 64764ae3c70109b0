package executorch4j;

import java.util.Objects;

/**
 * How to load a program.
 *
 * @param loadMode how a file is read ({@link LoadMode#MMAP} by default; ignored for bytes)
 * @param verify run ExecuTorch's full internal-consistency verification of the program before
 *     using it (default true, as a model file is untrusted input); false only for trusted files
 *     when load time matters
 */
public record LoadOptions(LoadMode loadMode, boolean verify) {
  public LoadOptions {
    Objects.requireNonNull(loadMode, "loadMode");
  }

  /** MMAP with full verification. */
  public static LoadOptions defaults() {
    return new LoadOptions(LoadMode.MMAP, true);
  }

  public LoadOptions withLoadMode(LoadMode mode) {
    return new LoadOptions(mode, verify);
  }

  public LoadOptions withVerify(boolean v) {
    return new LoadOptions(loadMode, v);
  }
}
