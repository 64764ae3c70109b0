package executorch4j.godot;

import static executorch4j.godot.GodotExtension.CLASS;
import static executorch4j.godot.GodotExtension.gd;
import static executorch4j.godot.GodotExtension.report;
import static executorch4j.godot.GodotExtension.variants;

import executorch4j.godot.ffi.GDExtensionClassCallVirtual;
import executorch4j.godot.ffi.GDExtensionClassCreateInstance;
import executorch4j.godot.ffi.GDExtensionClassCreationInfo3;
import executorch4j.godot.ffi.GDExtensionClassFreeInstance;
import executorch4j.godot.ffi.GDExtensionClassGetVirtual;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

/**
 * {@code load("res://model.pte")} and {@code ResourceSaver.save(model, "user://m.pte")}: a
 * ResourceFormatLoader and a ResourceFormatSaver for .pte files, registered with ResourceLoader
 * and ResourceSaver at the SCENE level. Both go through Godot's FileAccess, so res:// inside
 * exported PCK packs and user:// work as for any resource.
 */
final class ResourceFormats {
  static final String LOADER_CLASS = "ExecuTorchResourceLoader";
  static final String SAVER_CLASS = "ExecuTorchResourceSaver";

  // Loader and saver: one create/free/get_virtual stub each; class_userdata says which (0 loader, 1 saver).
  private static final MemorySegment CREATE_FORMAT =
      GDExtensionClassCreateInstance.allocate(ResourceFormats::createFormat, Arena.global());
  private static final MemorySegment FREE_FORMAT =
      GDExtensionClassFreeInstance.allocate(ResourceFormats::freeFormat, Arena.global());
  private static final MemorySegment GET_VIRTUAL =
      GDExtensionClassGetVirtual.allocate(ResourceFormats::getVirtual, Arena.global());
  private static final List<Map<String, MemorySegment>> VIRTUALS = List.of(
      Map.of("_get_recognized_extensions", virtual(ResourceFormats::recognizedExtensions),
          "_handles_type", virtual(ResourceFormats::handlesType),
          "_recognize_path", virtual(ResourceFormats::recognizePath),
          "_get_resource_type", virtual(ResourceFormats::resourceType),
          "_load", virtual(ResourceFormats::load)),
      Map.of("_recognize", virtual(ResourceFormats::saverRecognize),
          "_get_recognized_extensions", virtual(ResourceFormats::saverExtensions),
          "_recognize_path", virtual(ResourceFormats::saverRecognizePath),
          "_save", virtual(ResourceFormats::save)));

  /** A resource format class and how it is (un)registered with its engine singleton. */
  private record Format(String cls, String base, String singleton, String add, long addHash, String remove,
      long removeHash) {}

  private static final List<Format> FORMATS = List.of(
      new Format(LOADER_CLASS, "ResourceFormatLoader", "ResourceLoader", "add_resource_format_loader",
          Gd.HASH_ADD_FORMAT_LOADER, "remove_resource_format_loader", Gd.HASH_REMOVE_FORMAT_LOADER),
      new Format(SAVER_CLASS, "ResourceFormatSaver", "ResourceSaver", "add_resource_format_saver",
          Gd.HASH_ADD_FORMAT_SAVER, "remove_resource_format_saver", Gd.HASH_REMOVE_FORMAT_SAVER));
  /** The loader and saver objects, each held in a Variant (a reference) while registered. */
  private static final MemorySegment[] HELD = new MemorySegment[2];

  private ResourceFormats() {}

  private static MemorySegment virtual(GDExtensionClassCallVirtual.Function f) {
    return GDExtensionClassCallVirtual.allocate(f, Arena.global());
  }

  static void register() {
    HELD[0] = registerFormat(0);
    HELD[1] = registerFormat(1);
  }

  static void unregister() {
    unregisterFormat(1, HELD[1]);
    HELD[1] = null;
    unregisterFormat(0, HELD[0]);
    HELD[0] = null;
  }

  /** Registers format `kind` and returns its object, held in a Variant (our reference) until {@link #unregisterFormat}. */
  private static MemorySegment registerFormat(int kind) {
    Format f = FORMATS.get(kind);
    MemorySegment info = GDExtensionClassCreationInfo3.allocate(Arena.global());
    GDExtensionClassCreationInfo3.is_exposed(info, (byte) 1);
    GDExtensionClassCreationInfo3.create_instance_func(info, CREATE_FORMAT);
    GDExtensionClassCreationInfo3.free_instance_func(info, FREE_FORMAT);
    GDExtensionClassCreationInfo3.get_virtual_func(info, GET_VIRTUAL);
    GDExtensionClassCreationInfo3.class_userdata(info, MemorySegment.ofAddress(kind));
    gd.call("classdb_register_extension_class3", gd.library, gd.stringName(f.cls()), gd.stringName(f.base()), info);
    MemorySegment object = gd.callAddress("classdb_construct_object", gd.stringName(f.cls()));
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
      gd.call("variant_destroy", held); // drops our reference
    }
    gd.call("classdb_unregister_extension_class", gd.library, gd.stringName(f.cls()));
  }

  private static MemorySegment createFormat(MemorySegment classUserdata) {
    Format f = FORMATS.get((int) classUserdata.address());
    try {
      MemorySegment object = gd.callAddress("classdb_construct_object", gd.stringName(f.base()));
      gd.call("object_set_instance", object, gd.stringName(f.cls()), MemorySegment.ofAddress(1));
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

  /** Replaces the typed (or, for NIL, Variant) return value at ret. */
  static void replace(GType t, MemorySegment ret, Object value) {
    MemorySegment r = ret.reinterpret(t == GType.NIL ? GType.VARIANT_SIZE : Math.max(8, t.size));
    if (t == GType.NIL) {
      gd.call("variant_destroy", r);
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
      ret.reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) (type.equals(CLASS) || type.equals("Resource") ? 1 : 0));
    } catch (Throwable t) {
      report("_handles_type", t);
    }
  }

  private static void recognizePath(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      ret.reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) (path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? 1 : 0));
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
        gd.printError(missingModel(path), "_load");
        replace(GType.NIL, ret, ResourceInstance.ERR_FILE_NOT_FOUND);
        return;
      }
      MemorySegment object = gd.callAddress("classdb_construct_object", gd.stringName(CLASS));
      ResourceInstance r = GodotExtension.byObject(object);
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
        gd.call("object_destroy", object);
        replace(GType.NIL, ret, err);
        return;
      }
      try (Arena a = Arena.ofConfined()) {
        MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
        slot.set(ValueLayout.ADDRESS, 0, object);
        MemorySegment r2 = ret.reinterpret(GType.VARIANT_SIZE);
        gd.call("variant_destroy", r2);
        gd.variantFrom(GType.OBJECT, r2, slot);
      }
    } catch (Throwable t) {
      report("_load", t);
    }
  }

  /**
   * The error for a model that is not there. A res:// model that loads in the editor but not in
   * the exported game was left out of the export: Godot 4.3 exports a file with a non-imported
   * extension only when the preset's include filter names it.
   */
  static String missingModel(String path) {
    String msg = "ExecuTorchResource: no such file " + path;
    return path.startsWith("res://")
        ? msg + " (if this is an exported game, the model was not exported: add \"*.pte, *.pte.cfg\" to the"
            + " export preset's include filter, Resources > Filters to export non-resource files/folders)"
        : msg;
  }

  // ------------------------------------------------------------- the saver

  /** The ExecuTorchResource behind a Resource argument (a pointer to an Object* slot), or null. */
  private static ResourceInstance resourceArg(MemorySegment args, int i) {
    MemorySegment object = arg(args, i, 8).get(ValueLayout.ADDRESS, 0);
    return object.equals(MemorySegment.NULL) ? null : GodotExtension.byObject(object);
  }

  private static void saverRecognize(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      ret.reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) (resourceArg(args, 0) != null ? 1 : 0));
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
      ret.reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) (resourceArg(args, 0) != null
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
}
