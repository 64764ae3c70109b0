package executorch4j.godot;

import static executorch4j.godot.Gd.I32;
import static executorch4j.godot.Gd.I64;
import static executorch4j.godot.Gd.PTR;
import static executorch4j.godot.Gd.U8;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GDExtension itself: fills Godot's initialization struct, registers {@code
 * ExecuTorchResource} at the SCENE level and unregisters it at deinit, and dispatches Godot's
 * calls into {@link ResourceInstance}. Every callback is one process-wide upcall stub (they live
 * as long as the library) whose body catches everything: an exception escaping an upcall would
 * terminate the JVM and the game with it.
 */
final class GodotExtension {
  static final String CLASS = "ExecuTorchResource";
  static final String LOADER_CLASS = "ExecuTorchResourceLoader";
  static final String SAVER_CLASS = "ExecuTorchResourceSaver";
  static final int PROPERTY_HINT_RANGE = 1;
  static final int PROPERTY_USAGE_EDITOR = 4;
  static final int PROPERTY_USAGE_READ_ONLY = 268435456;
  static final int LEVEL_SCENE = 2;
  static final int PROPERTY_USAGE_DEFAULT = 6;
  static final int PROPERTY_USAGE_STORAGE = 2;
  static final int PROPERTY_HINT_ENUM = 2;
  static final int METHOD_FLAGS_DEFAULT = 1;

  // Struct layouts of gdextension_interface (64-bit), as the 4.3 interface describes them.
  static final StructLayout PROPERTY_INFO = MemoryLayout.structLayout(
      I32.withName("type"), MemoryLayout.paddingLayout(4), PTR.withName("name"), PTR.withName("class_name"),
      I32.withName("hint"), MemoryLayout.paddingLayout(4), PTR.withName("hint_string"), I32.withName("usage"),
      MemoryLayout.paddingLayout(4));
  static final StructLayout METHOD_INFO = MemoryLayout.structLayout(
      PTR.withName("name"), PTR.withName("method_userdata"), PTR.withName("call_func"), PTR.withName("ptrcall_func"),
      I32.withName("method_flags"), U8.withName("has_return_value"), MemoryLayout.paddingLayout(3),
      PTR.withName("return_value_info"), I32.withName("return_value_metadata"), I32.withName("argument_count"),
      PTR.withName("arguments_info"), PTR.withName("arguments_metadata"), I32.withName("default_argument_count"),
      MemoryLayout.paddingLayout(4), PTR.withName("default_arguments"));
  static final StructLayout CLASS_INFO3 = MemoryLayout.structLayout(
      U8.withName("is_virtual"), U8.withName("is_abstract"), U8.withName("is_exposed"), U8.withName("is_runtime"),
      MemoryLayout.paddingLayout(4), PTR.withName("set_func"), PTR.withName("get_func"),
      PTR.withName("get_property_list_func"), PTR.withName("free_property_list_func"),
      PTR.withName("property_can_revert_func"), PTR.withName("property_get_revert_func"),
      PTR.withName("validate_property_func"), PTR.withName("notification_func"), PTR.withName("to_string_func"),
      PTR.withName("reference_func"), PTR.withName("unreference_func"), PTR.withName("create_instance_func"),
      PTR.withName("free_instance_func"), PTR.withName("recreate_instance_func"), PTR.withName("get_virtual_func"),
      PTR.withName("get_virtual_call_data_func"), PTR.withName("call_virtual_with_data_func"),
      PTR.withName("get_rid_func"), PTR.withName("class_userdata"));

  static Gd gd;
  static Variants variants;
  private static final List<ClassMethod> METHODS = new ArrayList<>();
  private static final Map<Long, ResourceInstance> INSTANCES = new ConcurrentHashMap<>();
  /** Our Godot objects by address, for the loader that creates them. */
  private static final Map<Long, ResourceInstance> BY_OBJECT = new ConcurrentHashMap<>();
  /** The loader and saver objects, each held in a Variant (a reference) while registered. */
  private static MemorySegment loaderVariant;
  private static MemorySegment saverVariant;
  private static final AtomicLong IDS = new AtomicLong(1);
  private static boolean registered;

  private static final MemorySegment INITIALIZE = stub("initialize", MethodType.methodType(void.class,
      MemorySegment.class, int.class), FunctionDescriptor.ofVoid(PTR, I32));
  private static final MemorySegment DEINITIALIZE = stub("deinitialize", MethodType.methodType(void.class,
      MemorySegment.class, int.class), FunctionDescriptor.ofVoid(PTR, I32));
  private static final MemorySegment CREATE = stub("createInstance", MethodType.methodType(MemorySegment.class,
      MemorySegment.class), FunctionDescriptor.of(PTR, PTR));
  private static final MemorySegment FREE = stub("freeInstance", MethodType.methodType(void.class,
      MemorySegment.class, MemorySegment.class), FunctionDescriptor.ofVoid(PTR, PTR));
  // Loader and saver: one create/free/get_virtual stub each; class_userdata says which (0 loader, 1 saver).
  private static final MemorySegment CREATE_FORMAT = stub("createFormat", MethodType.methodType(MemorySegment.class,
      MemorySegment.class), FunctionDescriptor.of(PTR, PTR));
  private static final MemorySegment FREE_FORMAT = stub("freeFormat", MethodType.methodType(void.class,
      MemorySegment.class, MemorySegment.class), FunctionDescriptor.ofVoid(PTR, PTR));
  private static final MemorySegment GET_VIRTUAL = stub("getVirtual", MethodType.methodType(MemorySegment.class,
      MemorySegment.class, MemorySegment.class), FunctionDescriptor.of(PTR, PTR, PTR));
  private static final List<Map<String, MemorySegment>> VIRTUALS = List.of(
      Map.of("_get_recognized_extensions", virtualStub("recognizedExtensions"),
          "_handles_type", virtualStub("handlesType"),
          "_recognize_path", virtualStub("recognizePath"),
          "_get_resource_type", virtualStub("resourceType"),
          "_load", virtualStub("load")),
      Map.of("_recognize", virtualStub("saverRecognize"),
          "_get_recognized_extensions", virtualStub("saverExtensions"),
          "_recognize_path", virtualStub("saverRecognizePath"),
          "_save", virtualStub("save")));
  /** A resource format class and how it is (un)registered with its engine singleton. */
  private record Format(String cls, String base, String singleton, String add, long addHash, String remove,
      long removeHash) {}

  private static final List<Format> FORMATS = List.of(
      new Format(LOADER_CLASS, "ResourceFormatLoader", "ResourceLoader", "add_resource_format_loader",
          Gd.HASH_ADD_FORMAT_LOADER, "remove_resource_format_loader", Gd.HASH_REMOVE_FORMAT_LOADER),
      new Format(SAVER_CLASS, "ResourceFormatSaver", "ResourceSaver", "add_resource_format_saver",
          Gd.HASH_ADD_FORMAT_SAVER, "remove_resource_format_saver", Gd.HASH_REMOVE_FORMAT_SAVER));
  private static final MemorySegment CALL = stub("call", MethodType.methodType(void.class, MemorySegment.class,
      MemorySegment.class, MemorySegment.class, long.class, MemorySegment.class, MemorySegment.class),
      FunctionDescriptor.ofVoid(PTR, PTR, PTR, I64, PTR, PTR));
  private static final MemorySegment PTRCALL = stub("ptrcall", MethodType.methodType(void.class,
      MemorySegment.class, MemorySegment.class, MemorySegment.class, MemorySegment.class),
      FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR));

  private GodotExtension() {}

  private static MemorySegment virtualStub(String name) {
    return stub(name, MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, MemorySegment.class),
        FunctionDescriptor.ofVoid(PTR, PTR, PTR));
  }

  private static MemorySegment stub(String name, MethodType type, FunctionDescriptor d) {
    try {
      MethodHandle target = MethodHandles.lookup().findStatic(GodotExtension.class, name, type);
      return Gd.LINKER.upcallStub(target, d, Arena.global());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean start(long getProcAddress, long library, long rInitialization) {
    gd = new Gd(getProcAddress, library);
    variants = new Variants(gd);
    MemorySegment init = MemorySegment.ofAddress(rInitialization).reinterpret(32);
    init.set(I32, 0, LEVEL_SCENE); // minimum_initialization_level
    init.set(ValueLayout.ADDRESS, 8, MemorySegment.NULL); // userdata
    init.set(ValueLayout.ADDRESS, 16, INITIALIZE);
    init.set(ValueLayout.ADDRESS, 24, DEINITIALIZE);
    return true;
  }

  // ---------------------------------------------------------------- upcalls

  private static void initialize(MemorySegment userdata, int level) {
    try {
      if (level == LEVEL_SCENE && !registered) {
        registerClass();
        loaderVariant = registerFormat(0);
        saverVariant = registerFormat(1);
        registered = true;
      }
    } catch (Throwable t) {
      report("registering " + CLASS + " failed", t);
    }
  }

  private static void deinitialize(MemorySegment userdata, int level) {
    try {
      if (level == LEVEL_SCENE && registered) {
        unregisterFormat(1, saverVariant);
        saverVariant = null;
        unregisterFormat(0, loaderVariant);
        loaderVariant = null;
        gd.call("classdb_unregister_extension_class", FunctionDescriptor.ofVoid(PTR, PTR), gd.library,
            gd.stringName(CLASS));
        registered = false;
        INSTANCES.values().forEach(ResourceInstance::unload);
        INSTANCES.clear();
        METHODS.clear();
        gd.destroyNames();
      }
    } catch (Throwable t) {
      report("unregistering " + CLASS + " failed", t);
    }
  }

  private static MemorySegment createInstance(MemorySegment classUserdata) {
    try {
      MemorySegment object = gd.callAddress("classdb_construct_object", FunctionDescriptor.of(PTR, PTR),
          gd.stringName("Resource"));
      long id = IDS.getAndIncrement();
      ResourceInstance r = new ResourceInstance(gd, object);
      INSTANCES.put(id, r);
      BY_OBJECT.put(object.address(), r);
      gd.call("object_set_instance", FunctionDescriptor.ofVoid(PTR, PTR, PTR), object, gd.stringName(CLASS),
          MemorySegment.ofAddress(id));
      return object;
    } catch (Throwable t) {
      report("creating " + CLASS + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private static void freeInstance(MemorySegment classUserdata, MemorySegment instance) {
    try {
      ResourceInstance r = INSTANCES.remove(instance.address());
      if (r != null) {
        BY_OBJECT.remove(r.object.address());
        r.unload();
      }
    } catch (Throwable t) {
      report("freeing " + CLASS + " failed", t);
    }
  }

  /** GDExtensionClassMethodCall: Variant arguments and result. */
  private static void call(MemorySegment methodUserdata, MemorySegment instance, MemorySegment args, long argc,
      MemorySegment ret, MemorySegment error) {
    MemorySegment err = error.reinterpret(12);
    try {
      ClassMethod m = METHODS.get((int) methodUserdata.address());
      ResourceInstance self = INSTANCES.get(instance.address());
      if (self == null) {
        err.set(I32, 0, 5); // CALL_ERROR_INSTANCE_IS_NULL
        return;
      }
      if (argc < m.args().size()) {
        err.set(I32, 0, 4); // TOO_FEW_ARGUMENTS
        err.set(I32, 8, m.args().size());
        return;
      }
      if (argc > m.args().size()) {
        err.set(I32, 0, 3); // TOO_MANY_ARGUMENTS
        err.set(I32, 8, m.args().size());
        return;
      }
      MemorySegment argv = args.reinterpret(8 * Math.max(1, argc));
      Object[] values = new Object[(int) argc];
      for (int i = 0; i < argc; i++) {
        MemorySegment v = argv.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(GType.VARIANT_SIZE);
        Object value = variants.read(v);
        Object converted = m.args().get(i).accept(value);
        if (converted == ClassMethod.REJECT) {
          err.set(I32, 0, 2); // INVALID_ARGUMENT
          err.set(I32, 4, i);
          err.set(I32, 8, m.args().get(i).type().id);
          return;
        }
        values[i] = converted;
      }
      Object result = m.impl().call(self, values);
      MemorySegment r = ret.reinterpret(GType.VARIANT_SIZE);
      gd.call("variant_destroy", FunctionDescriptor.ofVoid(PTR), r);
      variants.write(m.returns() == null ? null : result, r);
    } catch (Throwable t) {
      report(CLASS + " call failed", t);
    }
  }

  /** GDExtensionClassMethodPtrCall: typed arguments and an initialized typed result. */
  private static void ptrcall(MemorySegment methodUserdata, MemorySegment instance, MemorySegment args,
      MemorySegment ret) {
    try {
      ClassMethod m = METHODS.get((int) methodUserdata.address());
      ResourceInstance self = INSTANCES.get(instance.address());
      if (self == null) {
        return;
      }
      int n = m.args().size();
      MemorySegment argv = args.reinterpret(8L * Math.max(1, n));
      Object[] values = new Object[n];
      for (int i = 0; i < n; i++) {
        GType t = m.args().get(i).type();
        MemorySegment p = argv.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(Math.max(8, t.size));
        values[i] = variants.readValue(t, p);
      }
      Object result = m.impl().call(self, values);
      GType rt = m.returns();
      if (rt != null && result != null) {
        MemorySegment r = ret.reinterpret(Math.max(8, rt.size));
        if (rt.isBuiltinObject()) {
          gd.destroy(rt, r); // Godot passes an initialized value: replace it
        }
        try (Arena a = Arena.ofConfined()) {
          variants.writeValue(result, rt, r, a);
        }
      }
    } catch (Throwable t) {
      report(CLASS + " ptrcall failed", t);
    }
  }

  // ------------------------------------------------------- resource loader

  /**
   * {@code load("res://model.pte")} and {@code ResourceSaver.save(model, "user://m.pte")}: a
   * ResourceFormatLoader and a ResourceFormatSaver for .pte files, registered with ResourceLoader
   * and ResourceSaver at the SCENE level. Both go through Godot's FileAccess, so res:// inside
   * exported PCK packs and user:// work as for any resource. Returns the object, held in a
   * Variant (our reference) until {@link #unregisterFormat}.
   */
  private static MemorySegment registerFormat(int kind) {
    Format f = FORMATS.get(kind);
    MemorySegment info = Arena.global().allocate(CLASS_INFO3);
    info.set(U8, 2, (byte) 1); // is_exposed
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("create_instance_func")), CREATE_FORMAT);
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("free_instance_func")), FREE_FORMAT);
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("get_virtual_func")), GET_VIRTUAL);
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("class_userdata")),
        MemorySegment.ofAddress(kind));
    gd.call("classdb_register_extension_class3", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR), gd.library,
        gd.stringName(f.cls()), gd.stringName(f.base()), info);
    MemorySegment object = gd.callAddress("classdb_construct_object", FunctionDescriptor.of(PTR, PTR),
        gd.stringName(f.cls()));
    MemorySegment held = Arena.global().allocate(GType.VARIANT_SIZE, 8);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
      slot.set(ValueLayout.ADDRESS, 0, object);
      gd.variantFrom(GType.OBJECT, held, slot);
      MemorySegment atFront = a.allocate(GType.VARIANT_SIZE, 8);
      variants.write(false, atFront);
      gd.callEngine(f.singleton(), f.add(), f.addHash(), gd.singleton(f.singleton()), held, atFront);
    }
    return held;
  }

  private static void unregisterFormat(int kind, MemorySegment held) {
    Format f = FORMATS.get(kind);
    if (held != null) {
      gd.callEngine(f.singleton(), f.remove(), f.removeHash(), gd.singleton(f.singleton()), held);
      gd.call("variant_destroy", FunctionDescriptor.ofVoid(PTR), held); // drops our reference
    }
    gd.call("classdb_unregister_extension_class", FunctionDescriptor.ofVoid(PTR, PTR), gd.library,
        gd.stringName(f.cls()));
  }

  private static MemorySegment createFormat(MemorySegment classUserdata) {
    Format f = FORMATS.get((int) classUserdata.address());
    try {
      MemorySegment object = gd.callAddress("classdb_construct_object", FunctionDescriptor.of(PTR, PTR),
          gd.stringName(f.base()));
      gd.call("object_set_instance", FunctionDescriptor.ofVoid(PTR, PTR, PTR), object, gd.stringName(f.cls()),
          MemorySegment.ofAddress(1));
      return object;
    } catch (Throwable t) {
      report("creating " + f.cls() + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private static void freeFormat(MemorySegment classUserdata, MemorySegment instance) {}

  private static MemorySegment getVirtual(MemorySegment classUserdata, MemorySegment name) {
    try {
      String n = (String) variants.readValue(GType.STRING_NAME, name.reinterpret(8));
      return VIRTUALS.get((int) classUserdata.address()).getOrDefault(n, MemorySegment.NULL);
    } catch (Throwable t) {
      report("looking up a virtual of " + FORMATS.get((int) classUserdata.address()).cls() + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private static MemorySegment arg(MemorySegment args, int i, long size) {
    return args.reinterpret(8L * (i + 1)).getAtIndex(ValueLayout.ADDRESS, i).reinterpret(size);
  }

  private static void replace(GType t, MemorySegment ret, Object value) {
    MemorySegment r = ret.reinterpret(t == GType.NIL ? GType.VARIANT_SIZE : Math.max(8, t.size));
    if (t == GType.NIL) {
      gd.call("variant_destroy", FunctionDescriptor.ofVoid(PTR), r);
      variants.write(value, r);
      return;
    }
    if (t.isBuiltinObject()) {
      gd.destroy(t, r);
    }
    try (Arena a = Arena.ofConfined()) {
      variants.writeValue(value, t, r, a);
    }
  }

  private static void recognizedExtensions(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      replace(GType.PACKED_STRING_ARRAY, ret, new String[] {"pte"});
    } catch (Throwable t) {
      report("_get_recognized_extensions", t);
    }
  }

  private static void handlesType(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String type = (String) variants.readValue(GType.STRING_NAME, arg(args, 0, 8));
      ret.reinterpret(1).set(U8, 0, (byte) (type.equals(CLASS) || type.equals("Resource") ? 1 : 0));
    } catch (Throwable t) {
      report("_handles_type", t);
    }
  }

  private static void recognizePath(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      ret.reinterpret(1).set(U8, 0, (byte) (path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? 1 : 0));
    } catch (Throwable t) {
      report("_recognize_path", t);
    }
  }

  private static void resourceType(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      replace(GType.STRING, ret, path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? CLASS : "");
    } catch (Throwable t) {
      report("_get_resource_type", t);
    }
  }

  /**
   * _load(path, original_path, use_sub_threads, cache_mode) -> the resource, or an Error int.
   * Settings saved next to the model ({@code path.cfg}) apply first; the model then streams
   * through FileAccess, segment by segment.
   */
  private static void load(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      if (!GodotFile.exists(path)) {
        gd.printError("ExecuTorchResource: no such file " + path, "_load");
        replace(GType.NIL, ret, ResourceInstance.ERR_FILE_NOT_FOUND);
        return;
      }
      MemorySegment object = gd.callAddress("classdb_construct_object", FunctionDescriptor.of(PTR, PTR),
          gd.stringName(CLASS));
      ResourceInstance r = BY_OBJECT.get(object.address());
      long err = r == null ? ResourceInstance.FAILED : ResourceInstance.OK;
      String sidecar = Settings.sidecar(path);
      if (err == ResourceInstance.OK && GodotFile.exists(sidecar)) {
        try {
          r.applySettings(Settings.parse(new String(GodotFile.readAll(sidecar), java.nio.charset.StandardCharsets.UTF_8),
              r.settings()));
        } catch (IllegalArgumentException e) {
          gd.printError("ExecuTorchResource: " + sidecar + ": " + e.getMessage(), "_load");
          err = ResourceInstance.ERR_FILE_CORRUPT;
        } catch (java.io.IOException e) {
          gd.printError("ExecuTorchResource: " + e.getMessage(), "_load");
          err = ResourceInstance.ERR_FILE_CANT_READ;
        }
      }
      if (err == ResourceInstance.OK) {
        err = r.loadFromResource(path);
      }
      if (err != ResourceInstance.OK) {
        gd.call("object_destroy", FunctionDescriptor.ofVoid(PTR), object);
        replace(GType.NIL, ret, err);
        return;
      }
      try (Arena a = Arena.ofConfined()) {
        MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
        slot.set(ValueLayout.ADDRESS, 0, object);
        MemorySegment r2 = ret.reinterpret(GType.VARIANT_SIZE);
        gd.call("variant_destroy", FunctionDescriptor.ofVoid(PTR), r2);
        gd.variantFrom(GType.OBJECT, r2, slot);
      }
    } catch (Throwable t) {
      report("_load", t);
    }
  }

  // ------------------------------------------------------------- the saver

  /** The ExecuTorchResource behind a Resource argument (a pointer to an Object* slot), or null. */
  private static ResourceInstance resourceArg(MemorySegment args, int i) {
    MemorySegment object = arg(args, i, 8).get(ValueLayout.ADDRESS, 0);
    return object.equals(MemorySegment.NULL) ? null : BY_OBJECT.get(object.address());
  }

  private static void saverRecognize(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      ret.reinterpret(1).set(U8, 0, (byte) (resourceArg(args, 0) != null ? 1 : 0));
    } catch (Throwable t) {
      report("_recognize", t);
    }
  }

  private static void saverExtensions(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      replace(GType.PACKED_STRING_ARRAY, ret, resourceArg(args, 0) != null ? new String[] {"pte"} : new String[0]);
    } catch (Throwable t) {
      report("_get_recognized_extensions", t);
    }
  }

  private static void saverRecognizePath(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 1, 8));
      ret.reinterpret(1).set(U8, 0, (byte) (resourceArg(args, 0) != null
          && path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? 1 : 0));
    } catch (Throwable t) {
      report("_recognize_path", t);
    }
  }

  /** _save(resource, path, flags) -> Error: the .pte bytes plus the settings sidecar. */
  private static void save(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    long err = ResourceInstance.FAILED;
    try {
      ResourceInstance r = resourceArg(args, 0);
      String path = (String) variants.readValue(GType.STRING, arg(args, 1, 8));
      err = r == null ? ResourceInstance.ERR_INVALID_PARAMETER : r.save(path, "save");
    } catch (Throwable t) {
      report("_save", t);
    }
    ret.reinterpret(8).set(ValueLayout.JAVA_LONG, 0, err);
  }

  static void report(String what, Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    String msg = what + ": " + t + (st.length > 0 ? " at " + st[0] : "");
    try {
      gd.printError(msg, what);
    } catch (Throwable ignored) {
      System.err.println("ERROR: " + msg);
    }
  }

  // ----------------------------------------------------------- registration

  private static void registerClass() {
    Arena g = Arena.global();
    MemorySegment info = g.allocate(CLASS_INFO3);
    info.set(U8, 2, (byte) 1); // is_exposed
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("create_instance_func")), CREATE);
    info.set(ValueLayout.ADDRESS, CLASS_INFO3.byteOffset(MemoryLayout.PathElement.groupElement("free_instance_func")), FREE);
    gd.call("classdb_register_extension_class3", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR), gd.library,
        gd.stringName(CLASS), gd.stringName("Resource"), info);

    for (ClassMethod m : ResourceInstance.methods()) {
      registerMethod(m);
    }
    // Made here on the main thread, so forward_async's worker only reads them.
    gd.stringName("_deliver_async");
    gd.methodBind("Object", "call_deferred", Gd.HASH_CALL_DEFERRED);
    gd.handle("object_method_bind_call", FunctionDescriptor.ofVoid(PTR, PTR, PTR, I64, PTR, PTR));
    gd.handle("variant_destroy", FunctionDescriptor.ofVoid(PTR));
    constant("MemoryPolicy", "MEMORY_POLICY_AUTO", 0);
    constant("MemoryPolicy", "MEMORY_POLICY_STATIC", 1);
    constant("MemoryPolicy", "MEMORY_POLICY_CUSTOM", 2);
    constant("OptimizationLevel", "OPTIMIZATION_NONE", 0);
    constant("OptimizationLevel", "OPTIMIZATION_BASIC", 1);
    constant("OptimizationLevel", "OPTIMIZATION_AGGRESSIVE", 2);

    signal("inference_completed", ClassMethod.arg("request_id", GType.INT), ClassMethod.arg("outputs", GType.DICTIONARY));
    signal("inference_failed", ClassMethod.arg("request_id", GType.INT), ClassMethod.arg("message", GType.STRING));

    property(GType.PACKED_BYTE_ARRAY, "model_data", 0, "", PROPERTY_USAGE_STORAGE,
        "set_model_data", "get_model_data");
    property(GType.INT, "memory_policy", PROPERTY_HINT_ENUM, "Auto,Static,Custom", PROPERTY_USAGE_DEFAULT,
        "set_memory_policy", "get_memory_policy");
    property(GType.INT, "pool_size_bytes", PROPERTY_HINT_RANGE, "0,1073741824,1,or_greater,suffix:B",
        PROPERTY_USAGE_DEFAULT, "set_pool_size_bytes", "get_pool_size_bytes");
    property(GType.INT, "optimization_level", PROPERTY_HINT_ENUM, "None,Basic,Aggressive", PROPERTY_USAGE_DEFAULT,
        "set_optimization_level", "get_optimization_level");
    // What the loaded model is, shown read-only in the inspector and never saved.
    gd.call("classdb_register_extension_class_property_group", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR),
        gd.library, gd.stringName(CLASS), gd.persistentString("Model Info"), gd.persistentString("info_"));
    int readOnly = PROPERTY_USAGE_EDITOR | PROPERTY_USAGE_READ_ONLY;
    property(GType.PACKED_STRING_ARRAY, "info_methods", 0, "", readOnly, "", "get_info_methods");
    property(GType.PACKED_STRING_ARRAY, "info_inputs", 0, "", readOnly, "", "get_info_inputs");
    property(GType.PACKED_STRING_ARRAY, "info_outputs", 0, "", readOnly, "", "get_info_outputs");
    property(GType.PACKED_STRING_ARRAY, "info_backends", 0, "", readOnly, "", "get_info_backends");
    property(GType.INT, "info_file_size", 0, "", readOnly, "", "get_info_file_size");
    property(GType.INT, "info_planned_memory", 0, "", readOnly, "", "get_info_planned_memory");
  }

  private static MemorySegment propertyInfo(GType type, String name, int hint, String hintString, int usage) {
    MemorySegment p = Arena.global().allocate(PROPERTY_INFO);
    p.set(I32, 0, type == null ? 0 : type.id);
    p.set(ValueLayout.ADDRESS, 8, gd.stringName(name));
    p.set(ValueLayout.ADDRESS, 16, gd.stringName(""));
    p.set(I32, 24, hint);
    p.set(ValueLayout.ADDRESS, 32, gd.persistentString(hintString));
    p.set(I32, 40, usage);
    return p;
  }

  private static void registerMethod(ClassMethod m) {
    int index = METHODS.size();
    METHODS.add(m);
    Arena g = Arena.global();
    MemorySegment info = g.allocate(METHOD_INFO);
    info.set(ValueLayout.ADDRESS, 0, gd.stringName(m.name()));
    info.set(ValueLayout.ADDRESS, 8, MemorySegment.ofAddress(index));
    info.set(ValueLayout.ADDRESS, 16, CALL);
    info.set(ValueLayout.ADDRESS, 24, PTRCALL);
    info.set(I32, 32, METHOD_FLAGS_DEFAULT);
    info.set(U8, 36, (byte) (m.returns() == null ? 0 : 1));
    info.set(ValueLayout.ADDRESS, 40, m.returns() == null ? MemorySegment.NULL
        : propertyInfo(m.returns(), "", 0, "", PROPERTY_USAGE_DEFAULT));
    info.set(I32, 48, 0);
    info.set(I32, 52, m.args().size());
    if (!m.args().isEmpty()) {
      MemorySegment args = g.allocate(PROPERTY_INFO, m.args().size());
      MemorySegment meta = g.allocate(I32, m.args().size());
      for (int i = 0; i < m.args().size(); i++) {
        MemorySegment one = propertyInfo(m.args().get(i).type(), m.args().get(i).name(), 0, "", PROPERTY_USAGE_DEFAULT);
        args.asSlice(i * PROPERTY_INFO.byteSize(), PROPERTY_INFO.byteSize()).copyFrom(one);
        meta.setAtIndex(I32, i, 0);
      }
      info.set(ValueLayout.ADDRESS, 56, args);
      info.set(ValueLayout.ADDRESS, 64, meta);
    }
    info.set(I32, 72, 0);
    gd.call("classdb_register_extension_class_method", FunctionDescriptor.ofVoid(PTR, PTR, PTR), gd.library,
        gd.stringName(CLASS), info);
  }

  private static void signal(String name, ClassMethod.Arg... args) {
    MemorySegment infos = Arena.global().allocate(PROPERTY_INFO, Math.max(1, args.length));
    for (int i = 0; i < args.length; i++) {
      infos.asSlice(i * PROPERTY_INFO.byteSize(), PROPERTY_INFO.byteSize())
          .copyFrom(propertyInfo(args[i].type(), args[i].name(), 0, "", PROPERTY_USAGE_DEFAULT));
    }
    gd.call("classdb_register_extension_class_signal", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR, I64),
        gd.library, gd.stringName(CLASS), gd.stringName(name), infos, (long) args.length);
  }

  private static void constant(String enumName, String name, long value) {
    gd.call("classdb_register_extension_class_integer_constant",
        FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR, I64, U8), gd.library, gd.stringName(CLASS),
        gd.stringName(enumName), gd.stringName(name), value, (byte) 0);
  }

  private static void property(GType type, String name, int hint, String hintString, int usage, String setter,
      String getter) {
    gd.call("classdb_register_extension_class_property", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR, PTR),
        gd.library, gd.stringName(CLASS), propertyInfo(type, name, hint, hintString, usage),
        gd.stringName(setter), gd.stringName(getter));
  }
}
