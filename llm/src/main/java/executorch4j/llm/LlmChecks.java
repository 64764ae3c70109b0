package executorch4j.llm;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchRuntime;
import executorch4j.MethodOperators;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a program must be for generation here, checked before it is loaded. */
final class LlmChecks {
  private LlmChecks() {}

  /**
   * The metadata of {@code pte} after checking that it can generate here.
   *
   * @throws ExecuTorchException {@code OPERATOR_MISSING} for custom LLM operators, {@code
   *     NOT_SUPPORTED} without a KV cache
   */
  static LlmMetadata metadata(Path pte) {
    LlmMetadata metadata = LlmMetadata.read(pte);
    checkOperators(pte);
    requireKvCache(metadata, pte.toString());
    return metadata;
  }

  static void requireKvCache(LlmMetadata metadata, String what) {
    if (!metadata.useKvCache()) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          what
              + " has no KV cache (metadata use_kv_cache is "
              + metadata.values().get("use_kv_cache")
              + "): export it with model.use_kv_cache=True (--use_kv_cache)");
    }
  }

  /** Custom LLM operators link libtorch: refuse them with the export flag to change. */
  private static void checkOperators(Path pte) {
    List<String> custom = new ArrayList<>();
    for (MethodOperators m : ExecuTorchRuntime.operators(pte)) {
      for (String op : m.missing())
        if (op.startsWith("llama::") || op.startsWith("quantized_decomposed::")) custom.add(op);
    }
    if (!custom.isEmpty()) {
      throw new ExecuTorchException(
          ErrorCode.OPERATOR_MISSING,
          pte
              + " needs ExecuTorch's custom LLM operator(s) "
              + String.join(", ", custom)
              + ", whose kernels (libcustom_ops_aot_lib.so) link libtorch and cannot load in a torch-free JVM; "
              + "re-export with model.use_sdpa_with_kv_cache=False (no --use_sdpa_with_kv_cache) and "
              + "model.quantize_kv_cache=False so the program uses standard attention and KV-cache updates");
    }
  }
}
