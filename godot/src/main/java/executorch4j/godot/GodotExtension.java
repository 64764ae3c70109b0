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
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The GDExtension itself, one per process: fills Godot's initialization struct, registers {@code
 * ExecuTorchResource} (see {@link ClassRegistration}) and its loader and saver ({@link
 * ResourceFormats}) at the SCENE level, the editor and export plugins ({@link EditorPlugins}) at
 * the EDITOR level (which an exported game never reaches), unregisters them at deinit, and
 * dispatches Godot's calls into {@link ResourceInstance}. Every callback is an upcall stub bound to
 * this object (so no static state is needed to find it: the stubs, which live as long as the
 * library, keep it reachable), made from the jextract-generated callback types, whose body catches
 * everything: an exception escaping an upcall would terminate the JVM and the game with it.
 */
final class GodotExtension {
  static final String CLASS = "ExecuTorchResource";

  private final Gd gd;
  private final Variants variants;

  /** The registered methods; a method's index is its method_userdata. */
  private final List<ClassMethod> methods = ResourceMethods.all();

  /** Our instances by their Godot object, which is also the instance userdata Godot hands back. */
  private final Map<Long, ResourceInstance> instances = new ConcurrentHashMap<>();

  private final ResourceFormats formats;
  private final EditorPlugins editor;
  private boolean registered;

  private final MemorySegment initialize =
      GDExtensionInitialization.initialize.allocate(this::initialize, Arena.global());
  private final MemorySegment deinitialize =
      GDExtensionInitialization.deinitialize.allocate(this::deinitialize, Arena.global());
  private final MemorySegment create =
      GDExtensionClassCreateInstance.allocate(this::createInstance, Arena.global());
  private final MemorySegment free =
      GDExtensionClassFreeInstance.allocate(this::freeInstance, Arena.global());
  private final MemorySegment call =
      GDExtensionClassMethodCall.allocate(this::call, Arena.global());
  private final MemorySegment ptrcall =
      GDExtensionClassMethodPtrCall.allocate(this::ptrcall, Arena.global());

  private GodotExtension(Gd gd) {
    this.gd = gd;
    this.variants = gd.variants;
    this.formats = new ResourceFormats(gd, this::byObject);
    this.editor = new EditorPlugins(gd);
  }

  /** From {@link Bootstrap}: Godot calls initialize/deinitialize on the extension made here. */
  static boolean start(long getProcAddress, long library, long rInitialization) {
    GodotExtension ext = new GodotExtension(new Gd(getProcAddress, library));
    MemorySegment init =
        MemorySegment.ofAddress(rInitialization).reinterpret(GDExtensionInitialization.sizeof());
    GDExtensionInitialization.minimum_initialization_level(
        init, GDEXTENSION_INITIALIZATION_SCENE());
    GDExtensionInitialization.userdata(init, MemorySegment.NULL);
    GDExtensionInitialization.initialize(init, ext.initialize);
    GDExtensionInitialization.deinitialize(init, ext.deinitialize);
    return true;
  }

  /** The ExecuTorchResource behind one of our Godot objects, or null. */
  private ResourceInstance byObject(MemorySegment object) {
    return instances.get(object.address());
  }

  // ---------------------------------------------------------------- upcalls

  private void initialize(MemorySegment userdata, int level) {
    try {
      if (level == GDEXTENSION_INITIALIZATION_SCENE() && !registered) {
        new ClassRegistration(gd).register(methods, create, free, call, ptrcall);
        formats.register();
        registered = true;
      }
    } catch (Throwable t) {
      gd.report("registering " + CLASS + " failed", t);
    }
    try {
      if (level == GDEXTENSION_INITIALIZATION_EDITOR()) {
        editor.register();
      }
    } catch (Throwable t) {
      gd.report("registering the editor plugins failed", t);
    }
  }

  private void deinitialize(MemorySegment userdata, int level) {
    try {
      if (level == GDEXTENSION_INITIALIZATION_EDITOR()) {
        editor.unregister();
      }
    } catch (Throwable t) {
      gd.report("unregistering the editor plugins failed", t);
    }
    try {
      if (level == GDEXTENSION_INITIALIZATION_SCENE() && registered) {
        formats.unregister();
        gd.api.classdbUnregisterExtensionClass(gd.library, gd.stringName(CLASS));
        registered = false;
        for (ResourceInstance r : instances.values()) {
          r.unload();
        }
        instances.clear();
        gd.destroyNames();
      }
    } catch (Throwable t) {
      gd.report("unregistering " + CLASS + " failed", t);
    }
  }

  private MemorySegment createInstance(MemorySegment classUserdata) {
    try {
      MemorySegment object = gd.api.classdbConstructObject(gd.stringName("Resource"));
      instances.put(object.address(), new ResourceInstance(gd, object));
      gd.api.objectSetInstance(object, gd.stringName(CLASS), object);
      return object;
    } catch (Throwable t) {
      gd.report("creating " + CLASS + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private void freeInstance(MemorySegment classUserdata, MemorySegment instance) {
    try {
      ResourceInstance r = instances.remove(instance.address());
      if (r != null) {
        r.unload();
      }
    } catch (Throwable t) {
      gd.report("freeing " + CLASS + " failed", t);
    }
  }

  /** GDExtensionClassMethodCall: Variant arguments and result. */
  private void call(
      MemorySegment methodUserdata,
      MemorySegment instance,
      MemorySegment args,
      long argc,
      MemorySegment ret,
      MemorySegment error) {
    MemorySegment err = error.reinterpret(GDExtensionCallError.sizeof());
    try {
      ClassMethod m = methods.get((int) methodUserdata.address());
      ResourceInstance self = instances.get(instance.address());
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
      gd.api.variantDestroy(r);
      variants.write(m.returns() == null ? null : result, r);
    } catch (Throwable t) {
      gd.report(CLASS + " call failed", t);
    }
  }

  /** GDExtensionClassMethodPtrCall: typed arguments and an initialized typed result. */
  private void ptrcall(
      MemorySegment methodUserdata, MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      ClassMethod m = methods.get((int) methodUserdata.address());
      ResourceInstance self = instances.get(instance.address());
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
      gd.report(CLASS + " ptrcall failed", t);
    }
  }
}
