package executorch4j.godot;

import static executorch4j.godot.Gd.virtual;
import static executorch4j.godot.Variants.arg;

import executorch4j.godot.ffi.GDExtensionClassCreateInstance;
import executorch4j.godot.ffi.GDExtensionClassFreeInstance;
import executorch4j.godot.ffi.GDExtensionClassGetVirtual;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The editor side, registered at the EDITOR initialization level (so never in an exported game):
 * {@code ExecuTorchEditorPlugin} (an EditorPlugin, handed to the editor through the interface's
 * {@code editor_add_plugin}) adds {@code ExecuTorchExportPlugin} (an EditorExportPlugin) with
 * {@code add_export_plugin} when it enters the tree and removes it when it leaves. The export
 * plugin's {@code _export_begin} adds the jars and the target platform's Java runtime as shared
 * objects ({@link ExportPlan} says which and where).
 *
 * <p>Both are extension classes with virtuals only (get_virtual_func). Each instance's userdata is
 * its own Godot object, so a virtual knows the object to call engine methods on.
 */
final class EditorPlugins {
  static final String PLUGIN_CLASS = "ExecuTorchEditorPlugin";
  static final String EXPORT_CLASS = "ExecuTorchExportPlugin";
  static final String NAME = "ExecuTorch4j";

  /** Class userdata 0: the editor plugin; 1: the export plugin. */
  private static final List<String> CLASSES = List.of(PLUGIN_CLASS, EXPORT_CLASS);

  private static final List<String> BASES = List.of("EditorPlugin", "EditorExportPlugin");

  private final Gd gd;
  private final Variants variants;
  private final MemorySegment create =
      GDExtensionClassCreateInstance.allocate(this::create, Arena.global());
  private final MemorySegment free =
      GDExtensionClassFreeInstance.allocate(this::free, Arena.global());
  private final MemorySegment getVirtual =
      GDExtensionClassGetVirtual.allocate(this::getVirtual, Arena.global());
  private final List<Map<String, MemorySegment>> virtuals =
      List.of(
          Map.of("_enter_tree", virtual(this::enterTree), "_exit_tree", virtual(this::exitTree)),
          Map.of(
              "_get_name",
              virtual(this::getName),
              "_supports_platform",
              virtual(this::supportsPlatform),
              "_export_begin",
              virtual(this::exportBegin)));

  /**
   * The export plugin each editor plugin added, held in a Variant (our reference), by editor plugin
   * object.
   */
  private final Map<Long, MemorySegment> added = new ConcurrentHashMap<>();

  private boolean registered;

  EditorPlugins(Gd gd) {
    this.gd = gd;
    this.variants = gd.variants;
  }

  /** EDITOR level: the two classes, then the editor plugin for the editor to instantiate. */
  void register() {
    if (registered) {
      return;
    }
    for (int kind = CLASSES.size() - 1;
        kind >= 0;
        kind--) { // the export plugin first: the editor plugin makes it
      gd.registerVirtualsClass(CLASSES.get(kind), BASES.get(kind), kind, create, free, getVirtual);
    }
    gd.api.editorAddPlugin(gd.stringName(PLUGIN_CLASS));
    registered = true;
  }

  void unregister() {
    if (!registered) {
      return;
    }
    gd.api.editorRemovePlugin(gd.stringName(PLUGIN_CLASS));
    for (MemorySegment held : added.values()) {
      gd.api.variantDestroy(held);
    }
    added.clear();
    gd.api.classdbUnregisterExtensionClass(gd.library, gd.stringName(PLUGIN_CLASS));
    gd.api.classdbUnregisterExtensionClass(gd.library, gd.stringName(EXPORT_CLASS));
    registered = false;
  }

  private MemorySegment create(MemorySegment classUserdata) {
    int kind = (int) classUserdata.address();
    try {
      MemorySegment object = gd.api.classdbConstructObject(gd.stringName(BASES.get(kind)));
      gd.api.objectSetInstance(object, gd.stringName(CLASSES.get(kind)), object);
      return object;
    } catch (Throwable t) {
      gd.report("creating " + CLASSES.get(kind) + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private void free(MemorySegment classUserdata, MemorySegment instance) {
    added.remove(instance.address()); // Godot freed the editor plugin (and dropped what it held)
  }

  private MemorySegment getVirtual(MemorySegment classUserdata, MemorySegment name) {
    try {
      String n = (String) variants.readValue(GType.STRING_NAME, name.reinterpret(8));
      return virtuals.get((int) classUserdata.address()).getOrDefault(n, MemorySegment.NULL);
    } catch (Throwable t) {
      gd.report(
          "looking up a virtual of " + CLASSES.get((int) classUserdata.address()) + " failed", t);
      return MemorySegment.NULL;
    }
  }

  // ------------------------------------------------------- the editor plugin

  /** _enter_tree: makes the export plugin and add_export_plugin()s it. */
  private void enterTree(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      if (added.containsKey(instance.address())) {
        return;
      }
      MemorySegment object = gd.api.classdbConstructObject(gd.stringName(EXPORT_CLASS));
      MemorySegment held = Arena.global().allocate(GType.VARIANT_SIZE, 8);
      try (Arena a = Arena.ofConfined()) {
        MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
        slot.set(ValueLayout.ADDRESS, 0, object);
        gd.variantFrom(GType.OBJECT, held, slot); // a Ref: the export plugin lives while we hold it
      }
      gd.callEngine("EditorPlugin", "add_export_plugin", Gd.HASH_ADD_EXPORT_PLUGIN, instance, held);
      added.put(instance.address(), held);
    } catch (Throwable t) {
      gd.report(PLUGIN_CLASS + "._enter_tree", t);
    }
  }

  /** _exit_tree: remove_export_plugin, then drops our reference. */
  private void exitTree(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      MemorySegment held = added.remove(instance.address());
      if (held != null) {
        gd.callEngine(
            "EditorPlugin", "remove_export_plugin", Gd.HASH_REMOVE_EXPORT_PLUGIN, instance, held);
        gd.api.variantDestroy(held);
      }
    } catch (Throwable t) {
      gd.report(PLUGIN_CLASS + "._exit_tree", t);
    }
  }

  // ------------------------------------------------------- the export plugin

  /** _get_name() -> String (required by Godot 4.3's EditorExportPlugin). */
  private void getName(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      variants.replace(GType.STRING, ret, NAME);
    } catch (Throwable t) {
      gd.report(EXPORT_CLASS + "._get_name", t);
    }
  }

  /**
   * _supports_platform(platform: EditorExportPlatform) -> bool: the OS names we have natives for.
   */
  private void supportsPlatform(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    boolean yes = false;
    try {
      MemorySegment platform = arg(args, 0, 8).get(ValueLayout.ADDRESS, 0);
      yes = !platform.equals(MemorySegment.NULL) && ExportPlan.supportsOs(osName(platform));
    } catch (Throwable t) {
      gd.report(EXPORT_CLASS + "._supports_platform", t);
    }
    ret.reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) (yes ? 1 : 0));
  }

  private String osName(MemorySegment platform) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment str = a.allocate(GType.STRING.size, 8);
      gd.construct(GType.STRING, str);
      try {
        gd.ptrcallEngine(
            gd.methodBind("EditorExportPlatform", "get_os_name", Gd.HASH_GET_OS_NAME),
            platform,
            str);
        return gd.readString(str);
      } finally {
        gd.destroy(GType.STRING, str);
      }
    }
  }

  /**
   * _export_begin(features: PackedStringArray, is_debug: bool, path: String, flags: int): the jars
   * and this platform's runtime as shared objects; every problem is printed as an error (the export
   * goes on: Godot 4.3 gives an export plugin no way to fail it).
   */
  private void exportBegin(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String[] features =
          (String[]) variants.readValue(GType.PACKED_STRING_ARRAY, arg(args, 0, 16));
      Path addon = Path.of(gd.libraryPath()).toAbsolutePath().getParent();
      ExportPlan.Result plan = ExportPlan.plan(Arrays.asList(features), addon);
      for (String e : plan.errors()) {
        gd.printError(e, "_export_begin");
      }
      for (ExportPlan.SharedObject so : plan.objects()) {
        addSharedObject(instance, so);
      }
    } catch (Throwable t) {
      gd.report(EXPORT_CLASS + "._export_begin", t);
    }
  }

  private void addSharedObject(MemorySegment self, ExportPlan.SharedObject so) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment path = a.allocate(GType.VARIANT_SIZE, 8);
      MemorySegment tags = a.allocate(GType.VARIANT_SIZE, 8);
      MemorySegment target = a.allocate(GType.VARIANT_SIZE, 8);
      variants.write(so.path(), path);
      variants.write(so.tags().toArray(String[]::new), tags);
      variants.write(so.target(), target);
      try {
        gd.callEngine(
            "EditorExportPlugin",
            "add_shared_object",
            Gd.HASH_ADD_SHARED_OBJECT,
            self,
            path,
            tags,
            target);
      } finally {
        gd.api.variantDestroy(path);
        gd.api.variantDestroy(tags);
        gd.api.variantDestroy(target);
      }
    }
  }
}
