package executorch4j.godot;

import static executorch4j.godot.GodotExtension.CLASS;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_METHOD_ARGUMENT_METADATA_NONE;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_METHOD_FLAGS_DEFAULT;

import executorch4j.godot.ffi.GDExtensionClassCreationInfo3;
import executorch4j.godot.ffi.GDExtensionClassMethodInfo;
import executorch4j.godot.ffi.GDExtensionPropertyInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Registers {@code ExecuTorchResource} with Godot's ClassDB: the class, its methods (dispatched by
 * {@link GodotExtension}), enum constants, signals and inspector properties. The structs are the
 * jextract-generated ones of Godot 4.3's gdextension_interface.h.
 */
final class ClassRegistration {
  // PropertyHint and PropertyUsageFlags live in extension_api.json's global enums, not in the
  // interface header, so they are typed here (4.3 values).
  static final int PROPERTY_HINT_RANGE = 1;
  static final int PROPERTY_HINT_ENUM = 2;
  static final int PROPERTY_USAGE_STORAGE = 2;
  static final int PROPERTY_USAGE_EDITOR = 4;
  static final int PROPERTY_USAGE_DEFAULT = 6;
  static final int PROPERTY_USAGE_READ_ONLY = 268435456;

  private final Gd gd;

  ClassRegistration(Gd gd) {
    this.gd = gd;
  }

  /**
   * Registers the class with its create/free stubs, and `methods` (method_userdata: the index in
   * the list) dispatched through the call/ptrcall stubs.
   */
  void register(
      List<ClassMethod> methods,
      MemorySegment create,
      MemorySegment free,
      MemorySegment call,
      MemorySegment ptrcall) {
    MemorySegment info = GDExtensionClassCreationInfo3.allocate(Arena.global());
    GDExtensionClassCreationInfo3.is_exposed(info, (byte) 1);
    GDExtensionClassCreationInfo3.create_instance_func(info, create);
    GDExtensionClassCreationInfo3.free_instance_func(info, free);
    gd.api.classdbRegisterExtensionClass3(
        gd.library, gd.stringName(CLASS), gd.stringName("Resource"), info);

    for (int i = 0; i < methods.size(); i++) {
      registerMethod(methods.get(i), i, call, ptrcall);
    }
    // Made here on the main thread, so forward_async's worker only reads them.
    gd.stringName(ResourceInstance.DELIVER_ASYNC);
    gd.stringName(Generation.DELIVER);
    for (String name : new String[] {"text_generated", "generation_completed", "generation_failed"})
      gd.stringName(name);
    gd.methodBind("Object", "call_deferred", Gd.HASH_CALL_DEFERRED);
    constant("MemoryPolicy", "MEMORY_POLICY_AUTO", 0);
    constant("MemoryPolicy", "MEMORY_POLICY_STATIC", 1);
    constant("MemoryPolicy", "MEMORY_POLICY_CUSTOM", 2);
    constant("OptimizationLevel", "OPTIMIZATION_NONE", 0);
    constant("OptimizationLevel", "OPTIMIZATION_BASIC", 1);
    constant("OptimizationLevel", "OPTIMIZATION_AGGRESSIVE", 2);

    signal(
        "inference_completed",
        ClassMethod.arg("request_id", GType.INT),
        ClassMethod.arg("outputs", GType.DICTIONARY));
    signal(
        "inference_failed",
        ClassMethod.arg("request_id", GType.INT),
        ClassMethod.arg("message", GType.STRING));
    signal(
        "text_generated",
        ClassMethod.arg("request_id", GType.INT),
        ClassMethod.arg("piece", GType.STRING));
    signal(
        "generation_completed",
        ClassMethod.arg("request_id", GType.INT),
        ClassMethod.arg("text", GType.STRING),
        ClassMethod.arg("stop_reason", GType.STRING));
    signal(
        "generation_failed",
        ClassMethod.arg("request_id", GType.INT),
        ClassMethod.arg("message", GType.STRING));

    property(
        GType.PACKED_BYTE_ARRAY,
        "model_data",
        0,
        "",
        PROPERTY_USAGE_STORAGE,
        "set_model_data",
        "get_model_data");
    property(
        GType.INT,
        "memory_policy",
        PROPERTY_HINT_ENUM,
        "Auto,Static,Custom",
        PROPERTY_USAGE_DEFAULT,
        "set_memory_policy",
        "get_memory_policy");
    property(
        GType.INT,
        "pool_size_bytes",
        PROPERTY_HINT_RANGE,
        "0," + Settings.MAX_POOL_BYTES + ",1,suffix:B",
        PROPERTY_USAGE_DEFAULT,
        "set_pool_size_bytes",
        "get_pool_size_bytes");
    property(
        GType.INT,
        "optimization_level",
        PROPERTY_HINT_ENUM,
        "None,Basic,Aggressive",
        PROPERTY_USAGE_DEFAULT,
        "set_optimization_level",
        "get_optimization_level");
    // What the loaded model is, shown read-only in the inspector and never saved.
    gd.api.classdbRegisterExtensionClassPropertyGroup(
        gd.library,
        gd.stringName(CLASS),
        gd.persistentString("Model Info"),
        gd.persistentString("info_"));
    int readOnly = PROPERTY_USAGE_EDITOR | PROPERTY_USAGE_READ_ONLY;
    property(GType.PACKED_STRING_ARRAY, "info_methods", 0, "", readOnly, "", "get_info_methods");
    property(GType.PACKED_STRING_ARRAY, "info_inputs", 0, "", readOnly, "", "get_info_inputs");
    property(GType.PACKED_STRING_ARRAY, "info_outputs", 0, "", readOnly, "", "get_info_outputs");
    property(GType.PACKED_STRING_ARRAY, "info_backends", 0, "", readOnly, "", "get_info_backends");
    property(GType.INT, "info_file_size", 0, "", readOnly, "", "get_info_file_size");
    property(GType.INT, "info_planned_memory", 0, "", readOnly, "", "get_info_planned_memory");
  }

  /** Fills the GDExtensionPropertyInfo at p (global memory: Godot may keep the pointers). */
  private MemorySegment propertyInfo(
      MemorySegment p, GType type, String name, int hint, String hintString, int usage) {
    GDExtensionPropertyInfo.type(p, type == null ? 0 : type.id);
    GDExtensionPropertyInfo.name(p, gd.stringName(name));
    GDExtensionPropertyInfo.class_name(p, gd.stringName(""));
    GDExtensionPropertyInfo.hint(p, hint);
    GDExtensionPropertyInfo.hint_string(p, gd.persistentString(hintString));
    GDExtensionPropertyInfo.usage(p, usage);
    return p;
  }

  private MemorySegment propertyInfo(
      GType type, String name, int hint, String hintString, int usage) {
    return propertyInfo(
        GDExtensionPropertyInfo.allocate(Arena.global()), type, name, hint, hintString, usage);
  }

  /**
   * An array of GDExtensionPropertyInfo for arguments (at least one element, as Godot may read it).
   */
  private MemorySegment propertyInfos(ClassMethod.Arg... args) {
    MemorySegment infos =
        GDExtensionPropertyInfo.allocateArray(Math.max(1, args.length), Arena.global());
    for (int i = 0; i < args.length; i++) {
      propertyInfo(
          GDExtensionPropertyInfo.asSlice(infos, i),
          args[i].type(),
          args[i].name(),
          0,
          "",
          PROPERTY_USAGE_DEFAULT);
    }
    return infos;
  }

  private void registerMethod(ClassMethod m, int index, MemorySegment call, MemorySegment ptrcall) {
    Arena g = Arena.global();
    MemorySegment info = GDExtensionClassMethodInfo.allocate(g);
    GDExtensionClassMethodInfo.name(info, gd.stringName(m.name()));
    GDExtensionClassMethodInfo.method_userdata(info, MemorySegment.ofAddress(index));
    GDExtensionClassMethodInfo.call_func(info, call);
    GDExtensionClassMethodInfo.ptrcall_func(info, ptrcall);
    GDExtensionClassMethodInfo.method_flags(info, GDEXTENSION_METHOD_FLAGS_DEFAULT());
    GDExtensionClassMethodInfo.has_return_value(info, (byte) (m.returns() == null ? 0 : 1));
    GDExtensionClassMethodInfo.return_value_info(
        info,
        m.returns() == null
            ? MemorySegment.NULL
            : propertyInfo(m.returns(), "", 0, "", PROPERTY_USAGE_DEFAULT));
    GDExtensionClassMethodInfo.return_value_metadata(
        info, GDEXTENSION_METHOD_ARGUMENT_METADATA_NONE());
    GDExtensionClassMethodInfo.argument_count(info, m.args().size());
    if (!m.args().isEmpty()) {
      MemorySegment meta = g.allocate(ValueLayout.JAVA_INT, m.args().size());
      for (int i = 0; i < m.args().size(); i++) {
        meta.setAtIndex(ValueLayout.JAVA_INT, i, GDEXTENSION_METHOD_ARGUMENT_METADATA_NONE());
      }
      GDExtensionClassMethodInfo.arguments_info(
          info, propertyInfos(m.args().toArray(ClassMethod.Arg[]::new)));
      GDExtensionClassMethodInfo.arguments_metadata(info, meta);
    }
    GDExtensionClassMethodInfo.default_argument_count(info, 0);
    gd.api.classdbRegisterExtensionClassMethod(gd.library, gd.stringName(CLASS), info);
  }

  private void signal(String name, ClassMethod.Arg... args) {
    gd.api.classdbRegisterExtensionClassSignal(
        gd.library, gd.stringName(CLASS), gd.stringName(name), propertyInfos(args), args.length);
  }

  private void constant(String enumName, String name, long value) {
    gd.api.classdbRegisterExtensionClassIntegerConstant(
        gd.library,
        gd.stringName(CLASS),
        gd.stringName(enumName),
        gd.stringName(name),
        value,
        (byte) 0);
  }

  private void property(
      GType type,
      String name,
      int hint,
      String hintString,
      int usage,
      String setter,
      String getter) {
    gd.api.classdbRegisterExtensionClassProperty(
        gd.library,
        gd.stringName(CLASS),
        propertyInfo(type, name, hint, hintString, usage),
        gd.stringName(setter),
        gd.stringName(getter));
  }
}
