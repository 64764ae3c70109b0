package executorch4j.godot;

import static executorch4j.godot.Gd.virtual;
import static executorch4j.godot.GodotExtension.CLASS;
import static executorch4j.godot.Variants.arg;

import executorch4j.godot.ffi.GDExtensionClassCreateInstance;
import executorch4j.godot.ffi.GDExtensionClassFreeInstance;
import executorch4j.godot.ffi.GDExtensionClassGetVirtual;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code load("res://model.pte")} and {@code ResourceSaver.save(model, "user://m.pte")}: a
 * ResourceFormatLoader and a ResourceFormatSaver for .pte files, registered with ResourceLoader and
 * ResourceSaver at the SCENE level. Both go through Godot's FileAccess, so res:// inside exported
 * PCK packs and user:// work as for any resource.
 */
final class ResourceFormats {
  static final String LOADER_CLASS = "ExecuTorchResourceLoader";
  static final String SAVER_CLASS = "ExecuTorchResourceSaver";

  private final Gd gd;
  private final Variants variants;

  /** The ExecuTorchResource behind one of our Godot objects, or null. */
  private final Function<MemorySegment, ResourceInstance> byObject;

  // Loader and saver: one create/free/get_virtual stub each; class_userdata says which (0 loader, 1
  // saver).
  private final MemorySegment createFormat =
      GDExtensionClassCreateInstance.allocate(this::createFormat, Arena.global());
  private final MemorySegment freeFormat =
      GDExtensionClassFreeInstance.allocate(this::freeFormat, Arena.global());
  private final MemorySegment getVirtual =
      GDExtensionClassGetVirtual.allocate(this::getVirtual, Arena.global());
  private final List<Map<String, MemorySegment>> virtuals =
      List.of(
          Map.of(
              "_get_recognized_extensions",
              virtual(this::recognizedExtensions),
              "_handles_type",
              virtual(this::handlesType),
              "_recognize_path",
              virtual(this::recognizePath),
              "_get_resource_type",
              virtual(this::resourceType),
              "_load",
              virtual(this::load)),
          Map.of(
              "_recognize",
              virtual(this::saverRecognize),
              "_get_recognized_extensions",
              virtual(this::saverExtensions),
              "_recognize_path",
              virtual(this::saverRecognizePath),
              "_save",
              virtual(this::save)));

  /** A resource format class and how it is (un)registered with its engine singleton. */
  private record Format(
      String cls,
      String base,
      String singleton,
      String add,
      long addHash,
      String remove,
      long removeHash) {}

  private static final List<Format> FORMATS =
      List.of(
          new Format(
              LOADER_CLASS,
              "ResourceFormatLoader",
              "ResourceLoader",
              "add_resource_format_loader",
              Gd.HASH_ADD_FORMAT_LOADER,
              "remove_resource_format_loader",
              Gd.HASH_REMOVE_FORMAT_LOADER),
          new Format(
              SAVER_CLASS,
              "ResourceFormatSaver",
              "ResourceSaver",
              "add_resource_format_saver",
              Gd.HASH_ADD_FORMAT_SAVER,
              "remove_resource_format_saver",
              Gd.HASH_REMOVE_FORMAT_SAVER));

  /** The loader and saver objects, each held in a Variant (a reference) while registered. */
  private final MemorySegment[] held = new MemorySegment[2];

  ResourceFormats(Gd gd, Function<MemorySegment, ResourceInstance> byObject) {
    this.gd = gd;
    this.variants = gd.variants;
    this.byObject = byObject;
  }

  void register() {
    held[0] = registerFormat(0);
    held[1] = registerFormat(1);
  }

  void unregister() {
    unregisterFormat(1, held[1]);
    held[1] = null;
    unregisterFormat(0, held[0]);
    held[0] = null;
  }

  /**
   * Registers format `kind` and returns its object, held in a Variant (our reference) until {@link
   * #unregisterFormat}.
   */
  private MemorySegment registerFormat(int kind) {
    Format f = FORMATS.get(kind);
    gd.registerVirtualsClass(f.cls(), f.base(), kind, createFormat, freeFormat, getVirtual);
    MemorySegment object = gd.api.classdbConstructObject(gd.stringName(f.cls()));
    MemorySegment held = Arena.global().allocate(GType.VARIANT_SIZE, 8);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
      slot.set(ValueLayout.ADDRESS, 0, object);
      gd.variantFrom(GType.OBJECT, held, slot);
      MemorySegment atFront = a.allocate(GType.VARIANT_SIZE, 8);
      variants.write(false, atFront);
      gd.callEngine(
          f.singleton(), f.add(), f.addHash(), gd.singleton(f.singleton()), held, atFront);
    }
    return held;
  }

  private void unregisterFormat(int kind, MemorySegment held) {
    Format f = FORMATS.get(kind);
    if (held != null) {
      gd.callEngine(f.singleton(), f.remove(), f.removeHash(), gd.singleton(f.singleton()), held);
      gd.api.variantDestroy(held); // drops our reference
    }
    gd.api.classdbUnregisterExtensionClass(gd.library, gd.stringName(f.cls()));
  }

  private MemorySegment createFormat(MemorySegment classUserdata) {
    Format f = FORMATS.get((int) classUserdata.address());
    try {
      MemorySegment object = gd.api.classdbConstructObject(gd.stringName(f.base()));
      gd.api.objectSetInstance(object, gd.stringName(f.cls()), MemorySegment.ofAddress(1));
      return object;
    } catch (Throwable t) {
      gd.report("creating " + f.cls() + " failed", t);
      return MemorySegment.NULL;
    }
  }

  private void freeFormat(MemorySegment classUserdata, MemorySegment instance) {}

  private MemorySegment getVirtual(MemorySegment classUserdata, MemorySegment name) {
    try {
      String n = (String) variants.readValue(GType.STRING_NAME, name.reinterpret(8));
      return virtuals.get((int) classUserdata.address()).getOrDefault(n, MemorySegment.NULL);
    } catch (Throwable t) {
      gd.report(
          "looking up a virtual of " + FORMATS.get((int) classUserdata.address()).cls() + " failed",
          t);
      return MemorySegment.NULL;
    }
  }

  private void recognizedExtensions(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      variants.replace(GType.PACKED_STRING_ARRAY, ret, new String[] {"pte"});
    } catch (Throwable t) {
      gd.report("_get_recognized_extensions", t);
    }
  }

  private void handlesType(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String type = (String) variants.readValue(GType.STRING_NAME, arg(args, 0, 8));
      ret.reinterpret(1)
          .set(
              ValueLayout.JAVA_BYTE,
              0,
              (byte) (type.equals(CLASS) || type.equals("Resource") ? 1 : 0));
    } catch (Throwable t) {
      gd.report("_handles_type", t);
    }
  }

  private void recognizePath(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      ret.reinterpret(1)
          .set(
              ValueLayout.JAVA_BYTE,
              0,
              (byte) (path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? 1 : 0));
    } catch (Throwable t) {
      gd.report("_recognize_path", t);
    }
  }

  private void resourceType(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      variants.replace(
          GType.STRING, ret, path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte") ? CLASS : "");
    } catch (Throwable t) {
      gd.report("_get_resource_type", t);
    }
  }

  /**
   * _load(path, original_path, use_sub_threads, cache_mode) -> the resource, or an Error int.
   * Settings saved next to the model ({@code path.cfg}) apply first; the model then streams through
   * FileAccess, segment by segment.
   */
  private void load(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 0, 8));
      if (!GodotFile.exists(gd, path)) {
        gd.printError(missingModel(path), "_load");
        variants.replace(GType.NIL, ret, ResourceInstance.ERR_FILE_NOT_FOUND);
        return;
      }
      MemorySegment object = gd.api.classdbConstructObject(gd.stringName(CLASS));
      ResourceInstance r = byObject.apply(object);
      long err = r == null ? ResourceInstance.FAILED : ResourceInstance.OK;
      String sidecar = Settings.sidecar(path);
      if (err == ResourceInstance.OK && GodotFile.exists(gd, sidecar)) {
        try {
          r.applySettings(
              Settings.parse(
                  new String(
                      GodotFile.readAll(gd, sidecar), java.nio.charset.StandardCharsets.UTF_8),
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
        gd.api.objectDestroy(object);
        variants.replace(GType.NIL, ret, err);
        return;
      }
      try (Arena a = Arena.ofConfined()) {
        MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
        slot.set(ValueLayout.ADDRESS, 0, object);
        MemorySegment r2 = ret.reinterpret(GType.VARIANT_SIZE);
        gd.api.variantDestroy(r2);
        gd.variantFrom(GType.OBJECT, r2, slot);
      }
    } catch (Throwable t) {
      gd.report("_load", t);
    }
  }

  /**
   * The error for a model that is not there. A res:// model that loads in the editor but not in the
   * exported game was left out of the export: Godot 4.3 exports a file with a non-imported
   * extension only when the preset's include filter names it.
   */
  static String missingModel(String path) {
    String msg = "ExecuTorchResource: no such file " + path;
    return path.startsWith("res://")
        ? msg
            + " (if this is an exported game, the model was not exported: add \"*.pte, *.pte.cfg\" to the"
            + " export preset's include filter, Resources > Filters to export non-resource files/folders)"
        : msg;
  }

  // ------------------------------------------------------------- the saver

  /** The ExecuTorchResource behind a Resource argument (a pointer to an Object* slot), or null. */
  private ResourceInstance resourceArg(MemorySegment args, int i) {
    MemorySegment object = arg(args, i, 8).get(ValueLayout.ADDRESS, 0);
    return object.equals(MemorySegment.NULL) ? null : byObject.apply(object);
  }

  private void saverRecognize(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      ret.reinterpret(1)
          .set(ValueLayout.JAVA_BYTE, 0, (byte) (resourceArg(args, 0) != null ? 1 : 0));
    } catch (Throwable t) {
      gd.report("_recognize", t);
    }
  }

  private void saverExtensions(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      variants.replace(
          GType.PACKED_STRING_ARRAY,
          ret,
          resourceArg(args, 0) != null ? new String[] {"pte"} : new String[0]);
    } catch (Throwable t) {
      gd.report("_get_recognized_extensions", t);
    }
  }

  private void saverRecognizePath(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    try {
      String path = (String) variants.readValue(GType.STRING, arg(args, 1, 8));
      ret.reinterpret(1)
          .set(
              ValueLayout.JAVA_BYTE,
              0,
              (byte)
                  (resourceArg(args, 0) != null
                          && path.toLowerCase(java.util.Locale.ROOT).endsWith(".pte")
                      ? 1
                      : 0));
    } catch (Throwable t) {
      gd.report("_recognize_path", t);
    }
  }

  /** _save(resource, path, flags) -> Error: the .pte bytes plus the settings sidecar. */
  private void save(MemorySegment instance, MemorySegment args, MemorySegment ret) {
    long err = ResourceInstance.FAILED;
    try {
      ResourceInstance r = resourceArg(args, 0);
      String path = (String) variants.readValue(GType.STRING, arg(args, 1, 8));
      err = r == null ? ResourceInstance.ERR_INVALID_PARAMETER : r.save(path, "save");
    } catch (Throwable t) {
      gd.report("_save", t);
    }
    ret.reinterpret(8).set(ValueLayout.JAVA_LONG, 0, err);
  }
}
