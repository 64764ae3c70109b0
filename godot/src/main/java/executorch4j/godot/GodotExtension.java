package executorch4j.godot;

import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_CALL_ERROR_INSTANCE_IS_NULL;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_CALL_ERROR_INVALID_ARGUMENT;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_CALL_ERROR_TOO_FEW_ARGUMENTS;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_CALL_ERROR_TOO_MANY_ARGUMENTS;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_INITIALIZATION_EDITOR;
import static executorch4j.godot.ffi.GDExtensionInterface.GDEXTENSION_INITIALIZATION_SCENE;

import executorch4j.godot.ffi.GDExtensionCallError;
import executorch4j.godot.ffi.GDExtensionClassCreateInstance;
import executorch4j.godot.ffi.GDExtensionClassFreeInstance;
import executorch4j.godot.ffi.GDExtensionClassMethodCall;
import executorch4j.godot.ffi.GDExtensionClassMethodPtrCall;
import executorch4j.godot.ffi.GDExtensionInitialization;
import executorch4j.internal.Registry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The GDExtension itself: fills Godot's initialization struct, registers {@code
 * ExecuTorchResource} (see {@link ClassRegistration}) and its loader and saver ({@link
 * ResourceFormats}) at the SCENE level, the editor and export plugins ({@link EditorPlugins}) at
 * the EDITOR level (which an exported game never reaches), and unregisters them at deinit, and dispatches Godot's
 * calls into {@link ResourceInstance}. Every callback is one process-wide upcall stub (they live
 * as long as the library) made from the jextract-generated callback types, whose body catches
 * everything: an exception escaping an upcall would terminate the JVM and the game with it.
 */
final class GodotExtension {
  static final String CLASS = "ExecuTorchResource";

  static Gd gd;
  static Variants variants;
  /** The registered methods; a method's index is its method_userdata. */
  static final List<ClassMethod> METHODS = new ArrayList<>();
  /** Our instances by the userdata Godot hands back (object_set_instance). */
  private static final Registry<ResourceInstance> INSTANCES = new Registry<>();
  /** A live instance and its userdata in {@link #INSTANCES}. */
  private record Live(ResourceInstance instance, MemorySegment userdata) {}
  /** Our Godot objects by address, for the loader that creates them and for deinit. */
  private static final Map<Long, Live> BY_OBJECT = new ConcurrentHashMap<>();
  private static boolean registered;

  private static final MemorySegment INITIALIZE =
      GDExtensionInitialization.initialize.allocate(GodotExtension::initialize, Arena.global());
  private static final MemorySegment DEINITIALIZE =
      GDExtensionInitialization.deinitialize.allocate(GodotExtension::deinitialize, Arena.global());
  static final MemorySegment CREATE = GDExtensionClassCreateInstance.allocate(GodotExtension::createInstance, Arena.global());
  static final MemorySegment FREE = GDExtensionClassFreeInstance.allocate(GodotExtension::freeInstance, Arena.global());
  static final MemorySegment CALL = GDExtensionClassMethodCall.allocate(GodotExtension::call, Arena.global());
  static final MemorySegment PTRCALL = GDExtensionClassMethodPtrCall.allocate(GodotExtension::ptrcall, Arena.global());

  private GodotExtension() {}

  static boolean start(long getProcAddress, long library, long rInitialization) {
    gd = new Gd(getProcAddress, library);
    variants = new Variants(gd);
    MemorySegment init = MemorySegment.ofAddress(rInitialization).reinterpret(GDExtensionInitialization.sizeof());
    GDExtensionInitialization.minimum_initialization_level(init, GDEXTENSION_INITIALIZATION_SCENE());
    GDExtensionInitialization.userdata(init, MemorySegment.NULL);
    GDExtensionInitialization.initialize(init, INITIALIZE);
    GDExtensionInitialization.deinitialize(init, DEINITIALIZE);
    return true;
  }

  /** The ExecuTorchResource behind one of our Godot objects, or null. */
  static ResourceInstance byObject(MemorySegment object) {
    Live l = BY_OBJECT.get(object.address());
    return l == null ? null : l.instance();
  }

  // ---------------------------------------------------------------- upcalls

  private static void initialize(MemorySegment userdata, int level) {
    try {
      if (level == GDEXTENSION_INITIALIZATION_SCENE() && !registered) {
        ClassRegistration.registerClass();
        ResourceFormats.register();
        registered = true;
      }
    } catch (Throwable t) {
      report("registering " + CLASS + " failed", t);
    }
    try {
      if (level == GDEXTENSION_INITIALIZATION_EDITOR()) {
        EditorPlugins.register();
      }
    } catch (Throwable t) {
      report("registering the editor plugins failed", t);
    }
  }

  private static void deinitialize(MemorySegment userdata, int level) {
    try {
      if (level == GDEXTENSION_INITIALIZATION_EDITOR()) {
        EditorPlugins.unregister();
      }
    } catch (Throwable t) {
      report("unregistering the editor plugins failed", t);
    }
    try {
      if (level == GDEXTENSION_INITIALIZATION_SCENE() && registered) {
        ResourceFormats.unregister();
        gd.call("classdb_unregister_extension_class", gd.library, gd.stringName(CLASS));
        registered = false;
        for (Live l : BY_OBJECT.values()) {
          l.instance().unload();
          INSTANCES.remove(l.userdata());
        }
        BY_OBJECT.clear();
        METHODS.clear();
        gd.destroyNames();
      }
    } catch (Throwable t) {
      report("unregistering " + CLASS + " failed", t);
    }
  }

  private static MemorySegment createInstance(MemorySegment classUserdata) {
    try {
      MemorySegment object = gd.callAddress("classdb_construct_object", gd.stringName("Resource"));
      ResourceInstance r = new ResourceInstance(gd, object);
      MemorySegment userdata = INSTANCES.add(r);
      BY_OBJECT.put(object.address(), new Live(r, userdata));
      gd.call("object_set_instance", object, gd.stringName(CLASS), userdata);
      return object;
    } catch (Throwable t) {
      report("creating " + CLASS + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private static void freeInstance(MemorySegment classUserdata, MemorySegment instance) {
    try {
      ResourceInstance r = INSTANCES.get(instance);
      if (r != null) {
        INSTANCES.remove(instance);
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
    MemorySegment err = error.reinterpret(GDExtensionCallError.sizeof());
    try {
      ClassMethod m = METHODS.get((int) methodUserdata.address());
      ResourceInstance self = INSTANCES.get(instance);
      if (self == null) {
        GDExtensionCallError.error(err, GDEXTENSION_CALL_ERROR_INSTANCE_IS_NULL());
        return;
      }
      if (argc < m.args().size()) {
        GDExtensionCallError.error(err, GDEXTENSION_CALL_ERROR_TOO_FEW_ARGUMENTS());
        GDExtensionCallError.expected(err, m.args().size());
        return;
      }
      if (argc > m.args().size()) {
        GDExtensionCallError.error(err, GDEXTENSION_CALL_ERROR_TOO_MANY_ARGUMENTS());
        GDExtensionCallError.expected(err, m.args().size());
        return;
      }
      MemorySegment argv = args.reinterpret(8 * Math.max(1, argc));
      Object[] values = new Object[(int) argc];
      for (int i = 0; i < argc; i++) {
        MemorySegment v = argv.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(GType.VARIANT_SIZE);
        Object value = variants.read(v);
        Object converted = m.args().get(i).accept(value);
        if (converted == ClassMethod.REJECT) {
          GDExtensionCallError.error(err, GDEXTENSION_CALL_ERROR_INVALID_ARGUMENT());
          GDExtensionCallError.argument(err, i);
          GDExtensionCallError.expected(err, m.args().get(i).type().id);
          return;
        }
        values[i] = converted;
      }
      Object result = m.impl().call(self, values);
      MemorySegment r = ret.reinterpret(GType.VARIANT_SIZE);
      gd.call("variant_destroy", r);
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
      ResourceInstance self = INSTANCES.get(instance);
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

  static void report(String what, Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    String msg = what + ": " + t + (st.length > 0 ? " at " + st[0] : "");
    try {
      gd.printError(msg, what);
    } catch (Throwable ignored) {
      System.err.println("ERROR: " + msg);
    }
  }
}
