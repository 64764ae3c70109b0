package executorch4j.godot;

import static executorch4j.godot.ClassMethod.arg;
import static executorch4j.godot.ClassMethod.of;

import java.util.List;
import java.util.Map;

/**
 * The GDScript surface of {@code ExecuTorchResource}: each method's name, return and argument types
 * and the {@link ResourceInstance} call it makes. The spec's methods are in snake_case, plus those
 * of the original C++ module so projects port unchanged.
 */
final class ResourceMethods {
  private ResourceMethods() {}

  /** Every method, in registration order (a method's index is its method_userdata). */
  static List<ClassMethod> all() {
    GType i = GType.INT, f = GType.FLOAT, b = GType.BOOL, s = GType.STRING, d = GType.DICTIONARY;
    GType a = GType.ARRAY,
        pf = GType.PACKED_FLOAT32_ARRAY,
        ps = GType.PACKED_STRING_ARRAY,
        pb = GType.PACKED_BYTE_ARRAY;
    return List.of(
        of("load_from_file", i, (r, x) -> r.loadFromFile((String) x[0]), arg("path", s)),
        of("load_from_buffer", i, (r, x) -> r.loadFromBuffer((byte[]) x[0]), arg("data", pb)),
        of("is_loaded", b, (r, x) -> r.model != null),
        of("unload", null, (r, x) -> r.unload()),
        of("clear", null, (r, x) -> r.clear()),
        of("forward", d, (r, x) -> r.forward((Map<?, ?>) x[0]), arg("inputs", d)),
        of(
            "forward_array",
            pf,
            (r, x) -> r.forwardArray((Variants.FloatView) x[0]),
            arg("input", pf)),
        of("forward_async", i, (r, x) -> r.forwardAsync((Map<?, ?>) x[0]), arg("inputs", d)),
        of(
            ResourceInstance.DELIVER_ASYNC,
            null,
            (r, x) -> r.deliverAsync((Long) x[0]),
            arg("request_id", i)),
        of(
            "load_tokenizer",
            i,
            (r, x) ->
                r.llm("load_tokenizer") == null
                    ? ResourceInstance.FAILED
                    : r.llm.loadTokenizer((String) x[0]),
            arg("path", s)),
        of(
            "generate",
            i,
            (r, x) ->
                r.llm("generate") == null
                    ? -1L
                    : r.llm.generate(
                        r.model,
                        r.model == null ? null : r::programMetadataSource,
                        (String) x[0],
                        (Map<?, ?>) x[1]),
            arg("prompt", s),
            arg("options", d)),
        of("cancel_generation", b, (r, x) -> r.llm != null && r.llm.cancel()),
        of("reset_context", null, (r, x) -> r.llm == null ? null : r.llm.resetContext()),
        of("get_last_generation", d, (r, x) -> r.llm == null ? Map.of() : r.llm.last()),
        of(
            Generation.DELIVER,
            null,
            (r, x) -> r.llm == null ? null : r.llm.deliver((Long) x[0]),
            arg("request_id", i)),
        of(
            "get_method_names",
            ps,
            (r, x) ->
                r.model == null ? new String[0] : r.model.methodNames().toArray(String[]::new)),
        of("get_metadata", d, (r, x) -> ModelInfo.metadata(r.model, r.modelName(), r.sourcePath)),
        of("get_input_names", ps, (r, x) -> ModelInfo.names(r.model, true)),
        of("get_output_names", ps, (r, x) -> ModelInfo.names(r.model, false)),
        of("get_input_shapes", a, (r, x) -> ModelInfo.shapes(r.model, true)),
        of("get_output_shapes", a, (r, x) -> ModelInfo.shapes(r.model, false)),
        of(
            "configure_memory",
            null,
            (r, x) -> r.configureMemory((Long) x[0], (Long) x[1]),
            arg("policy", i),
            arg("bytes", i)),
        of(
            "set_memory_policy",
            null,
            (r, x) -> r.configureMemory((Long) x[0], r.poolBytes),
            arg("policy", i)),
        of("get_memory_policy", i, (r, x) -> (long) r.policy.ordinal()),
        of(
            "set_pool_size_bytes",
            null,
            (r, x) -> r.configureMemory(r.policy.ordinal(), (Long) x[0]),
            arg("bytes", i)),
        of("get_pool_size_bytes", i, (r, x) -> r.poolBytes),
        of("set_optimization_level", null, (r, x) -> r.setLevel((Long) x[0]), arg("level", i)),
        of("get_optimization_level", i, (r, x) -> (long) r.level.ordinal()),
        of(
            "enable_profiling",
            null,
            (r, x) -> r.enableProfiling((Boolean) x[0]),
            arg("enabled", b)),
        of("get_profile", d, (r, x) -> r.profile()),
        of(
            "get_memory_info",
            d,
            (r, x) -> r.model == null ? Map.of() : r.model.memoryInfo().toMap()),
        of(
            "get_last_inference_time",
            f,
            (r, x) -> r.model == null ? 0.0 : r.model.inferenceStats().lastMillis()),
        of(
            "get_average_inference_time",
            f,
            (r, x) -> r.model == null ? 0.0 : r.model.inferenceStats().meanMillis()),
        of("get_total_inferences", i, (r, x) -> r.totalInferences),
        of("save_to_file", i, (r, x) -> r.saveToFile((String) x[0]), arg("path", s)),
        of("check_isolated", i, (r, x) -> r.checkIsolated((String) x[0]), arg("path", s)),
        of("get_model_name", s, (r, x) -> r.modelName()),
        of("get_model_version", s, (r, x) -> ModelInfo.version(r.model)),
        of("get_model_size", i, (r, x) -> r.model == null ? 0L : r.model.sourceBytes()),
        of("get_source_file_path", s, (r, x) -> r.sourcePath),
        of("set_model_data", null, (r, x) -> r.setModelData((byte[]) x[0]), arg("data", pb)),
        of("get_model_data", pb, (r, x) -> r.modelData()),
        // Read-only inspector info (group "Model Info").
        of(
            "get_info_methods",
            ps,
            (r, x) ->
                r.model == null ? new String[0] : r.model.methodNames().toArray(String[]::new)),
        of("get_info_inputs", ps, (r, x) -> ModelInfo.signatures(r.model, true)),
        of("get_info_outputs", ps, (r, x) -> ModelInfo.signatures(r.model, false)),
        of("get_info_backends", ps, (r, x) -> ModelInfo.backends(r.model)),
        of("get_info_file_size", i, (r, x) -> r.model == null ? 0L : r.model.sourceBytes()),
        of("get_info_planned_memory", i, (r, x) -> ModelInfo.plannedBytes(r.model)));
  }
}
