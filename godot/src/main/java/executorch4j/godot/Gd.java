package executorch4j.godot;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import executorch4j.godot.ffi.*;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Godot's GDExtension interface as seen from Java: every function is looked up once by name
 * through {@code get_proc_address} and called through an FFM downcall whose descriptor is the one
 * jextract generated for the function's typedef in Godot 4.3's gdextension_interface.h
 * (executorch4j.godot.ffi, see jextract/regen-godot.sh). Only functions whose {@code since} is
 * 4.3 or older are used, so the extension loads in Godot 4.3 through 4.7 (GodotAbiTest).
 */
final class Gd {
  static final Linker LINKER = Linker.nativeLinker();
  static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
  static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
  static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
  static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;
  static final MemoryLayout PTR = ValueLayout.ADDRESS;

  /** 4.3 hashes of the builtin methods used (extension_api.json, "builtin_classes"). */
  static final long HASH_SIZE = 3173160232L;
  static final long HASH_RESIZE = 848867239L;
  static final long HASH_KEYS = 4144163970L;

  /** Every interface function the glue calls, with its generated descriptor. */
  static final Map<String, FunctionDescriptor> INTERFACE = Map.ofEntries(
      Map.entry("array_operator_index", GDExtensionInterfaceArrayOperatorIndex.descriptor()),
      Map.entry("array_operator_index_const", GDExtensionInterfaceArrayOperatorIndexConst.descriptor()),
      Map.entry("classdb_construct_object", GDExtensionInterfaceClassdbConstructObject.descriptor()),
      Map.entry("classdb_get_method_bind", GDExtensionInterfaceClassdbGetMethodBind.descriptor()),
      Map.entry("editor_add_plugin", GDExtensionInterfaceEditorAddPlugin.descriptor()),
      Map.entry("editor_remove_plugin", GDExtensionInterfaceEditorRemovePlugin.descriptor()),
      Map.entry("get_library_path", GDExtensionInterfaceGetLibraryPath.descriptor()),
      Map.entry("classdb_register_extension_class3", GDExtensionInterfaceClassdbRegisterExtensionClass3.descriptor()),
      Map.entry("classdb_register_extension_class_integer_constant", GDExtensionInterfaceClassdbRegisterExtensionClassIntegerConstant.descriptor()),
      Map.entry("classdb_register_extension_class_method", GDExtensionInterfaceClassdbRegisterExtensionClassMethod.descriptor()),
      Map.entry("classdb_register_extension_class_property", GDExtensionInterfaceClassdbRegisterExtensionClassProperty.descriptor()),
      Map.entry("classdb_register_extension_class_property_group", GDExtensionInterfaceClassdbRegisterExtensionClassPropertyGroup.descriptor()),
      Map.entry("classdb_register_extension_class_signal", GDExtensionInterfaceClassdbRegisterExtensionClassSignal.descriptor()),
      Map.entry("classdb_unregister_extension_class", GDExtensionInterfaceClassdbUnregisterExtensionClass.descriptor()),
      Map.entry("dictionary_operator_index", GDExtensionInterfaceDictionaryOperatorIndex.descriptor()),
      Map.entry("dictionary_operator_index_const", GDExtensionInterfaceDictionaryOperatorIndexConst.descriptor()),
      Map.entry("get_variant_from_type_constructor", GDExtensionInterfaceGetVariantFromTypeConstructor.descriptor()),
      Map.entry("get_variant_to_type_constructor", GDExtensionInterfaceGetVariantToTypeConstructor.descriptor()),
      Map.entry("global_get_singleton", GDExtensionInterfaceGlobalGetSingleton.descriptor()),
      Map.entry("object_destroy", GDExtensionInterfaceObjectDestroy.descriptor()),
      Map.entry("object_method_bind_call", GDExtensionInterfaceObjectMethodBindCall.descriptor()),
      Map.entry("object_method_bind_ptrcall", GDExtensionInterfaceObjectMethodBindPtrcall.descriptor()),
      Map.entry("object_set_instance", GDExtensionInterfaceObjectSetInstance.descriptor()),
      Map.entry("packed_byte_array_operator_index", GDExtensionInterfacePackedByteArrayOperatorIndex.descriptor()),
      Map.entry("packed_byte_array_operator_index_const", GDExtensionInterfacePackedByteArrayOperatorIndexConst.descriptor()),
      Map.entry("packed_float32_array_operator_index", GDExtensionInterfacePackedFloat32ArrayOperatorIndex.descriptor()),
      Map.entry("packed_float32_array_operator_index_const", GDExtensionInterfacePackedFloat32ArrayOperatorIndexConst.descriptor()),
      Map.entry("packed_float64_array_operator_index", GDExtensionInterfacePackedFloat64ArrayOperatorIndex.descriptor()),
      Map.entry("packed_float64_array_operator_index_const", GDExtensionInterfacePackedFloat64ArrayOperatorIndexConst.descriptor()),
      Map.entry("packed_int32_array_operator_index", GDExtensionInterfacePackedInt32ArrayOperatorIndex.descriptor()),
      Map.entry("packed_int32_array_operator_index_const", GDExtensionInterfacePackedInt32ArrayOperatorIndexConst.descriptor()),
      Map.entry("packed_int64_array_operator_index", GDExtensionInterfacePackedInt64ArrayOperatorIndex.descriptor()),
      Map.entry("packed_int64_array_operator_index_const", GDExtensionInterfacePackedInt64ArrayOperatorIndexConst.descriptor()),
      Map.entry("packed_string_array_operator_index", GDExtensionInterfacePackedStringArrayOperatorIndex.descriptor()),
      Map.entry("packed_string_array_operator_index_const", GDExtensionInterfacePackedStringArrayOperatorIndexConst.descriptor()),
      Map.entry("print_error", GDExtensionInterfacePrintError.descriptor()),
      Map.entry("string_name_new_with_utf8_chars", GDExtensionInterfaceStringNameNewWithUtf8Chars.descriptor()),
      Map.entry("string_new_with_utf8_chars_and_len", GDExtensionInterfaceStringNewWithUtf8CharsAndLen.descriptor()),
      Map.entry("string_to_utf8_chars", GDExtensionInterfaceStringToUtf8Chars.descriptor()),
      Map.entry("variant_destroy", GDExtensionInterfaceVariantDestroy.descriptor()),
      Map.entry("variant_get_ptr_builtin_method", GDExtensionInterfaceVariantGetPtrBuiltinMethod.descriptor()),
      Map.entry("variant_get_ptr_constructor", GDExtensionInterfaceVariantGetPtrConstructor.descriptor()),
      Map.entry("variant_get_ptr_destructor", GDExtensionInterfaceVariantGetPtrDestructor.descriptor()),
      Map.entry("variant_get_type", GDExtensionInterfaceVariantGetType.descriptor()),
      Map.entry("variant_new_copy", GDExtensionInterfaceVariantNewCopy.descriptor()),
      Map.entry("variant_new_nil", GDExtensionInterfaceVariantNewNil.descriptor()));

  final MemorySegment library;
  private final MethodHandle getProcAddress;
  // Caches are concurrent: forward_async's worker thread calls into Godot too (call_deferred).
  private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();
  private final Map<String, MethodHandle> handles = new ConcurrentHashMap<>();
  private final Map<GType, MethodHandle> fromType = new ConcurrentHashMap<>();
  private final Map<GType, MethodHandle> toType = new ConcurrentHashMap<>();
  private final Map<GType, MethodHandle> ctor0 = new ConcurrentHashMap<>();
  private final Map<GType, MethodHandle> dtor = new ConcurrentHashMap<>();
  private final Map<String, MethodHandle> builtins = new ConcurrentHashMap<>();
  /** StringNames and Strings this extension made for its lifetime, destroyed at deinit. */
  private final List<MemorySegment> strings = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, MemorySegment> nameCache = new ConcurrentHashMap<>();

  Gd(long getProcAddress, long library) {
    this.library = MemorySegment.ofAddress(library);
    this.getProcAddress = LINKER.downcallHandle(MemorySegment.ofAddress(getProcAddress),
        GDExtensionInterfaceGetProcAddress.descriptor());
  }

  /** The interface function `name`, or an error naming it. */
  MemorySegment function(String name) {
    return functions.computeIfAbsent(name, n -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment p = (MemorySegment) getProcAddress.invokeExact(a.allocateFrom(n));
        if (p.equals(MemorySegment.NULL)) {
          throw new IllegalStateException("Godot has no interface function '" + n + "'");
        }
        return p;
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    });
  }

  /** A downcall handle for interface function `name` (one of {@link #INTERFACE}), cached. */
  MethodHandle handle(String name) {
    return handles.computeIfAbsent(name, n -> {
      FunctionDescriptor d = INTERFACE.get(n);
      if (d == null) {
        throw new IllegalArgumentException("'" + n + "' is not in Gd.INTERFACE (nor in jextract/godot-symbols.txt)");
      }
      return LINKER.downcallHandle(function(n), d);
    });
  }

  static MethodHandle downcall(MemorySegment fn, FunctionDescriptor d) {
    return LINKER.downcallHandle(fn, d);
  }

  // ------------------------------------------------------------- strings

  /** A StringName that lives until deinit (class, method and property names). */
  MemorySegment stringName(String s) {
    return nameCache.computeIfAbsent(s, k -> {
      MemorySegment sn = Arena.global().allocate(GType.STRING_NAME.size, 8);
      call("string_name_new_with_utf8_chars", sn,
          Arena.global().allocateFrom(k));
      return sn;
    });
  }

  /** A String that lives until deinit (hint strings, group names). */
  MemorySegment persistentString(String s) {
    MemorySegment str = Arena.global().allocate(GType.STRING.size, 8);
    newString(str, s, Arena.global());
    strings.add(str);
    return str;
  }

  /** Constructs a Godot String at `dst` (uninitialized, 8 bytes) from Java text. */
  void newString(MemorySegment dst, String s, Arena arena) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    MemorySegment chars = arena.allocate(Math.max(1, utf8.length));
    MemorySegment.copy(utf8, 0, chars, U8, 0, utf8.length);
    call("string_new_with_utf8_chars_and_len", dst, chars,
        (long) utf8.length);
  }

  /** The text of the Godot String at `str`. */
  String readString(MemorySegment str) {
    MethodHandle h = handle("string_to_utf8_chars");
    try (Arena a = Arena.ofConfined()) {
      long len = (long) h.invokeExact(str, MemorySegment.NULL, 0L);
      if (len <= 0) {
        return "";
      }
      MemorySegment buf = a.allocate(len);
      long got = (long) h.invokeExact(str, buf, len);
      return new String(buf.asSlice(0, Math.min(len, got)).toArray(U8), StandardCharsets.UTF_8);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** get_library_path: where Godot loaded this extension's shared library from (an OS path). */
  String libraryPath() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment str = a.allocate(GType.STRING.size, 8);
      call("get_library_path", library, str);
      try {
        return readString(str);
      } finally {
        destroy(GType.STRING, str);
      }
    }
  }

  /** Destroys the names made with {@link #stringName} and {@link #persistentString}. */
  void destroyNames() {
    for (MemorySegment n : nameCache.values()) {
      destroy(GType.STRING_NAME, n);
    }
    for (MemorySegment s : strings) {
      destroy(GType.STRING, s);
    }
    nameCache.clear();
    strings.clear();
  }

  // -------------------------------------------------------- builtin types

  /** Default-constructs a builtin value of type t at dst. */
  void construct(GType t, MemorySegment dst) {
    MethodHandle h = ctor0.computeIfAbsent(t, k -> {
      MemorySegment fn = callAddress("variant_get_ptr_constructor", k.id, 0);
      return downcall(fn, GDExtensionPtrConstructor.descriptor());
    });
    try {
      h.invokeExact(dst, MemorySegment.NULL);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** String(StringName): constructor index 2 of String in 4.3 (0 default, 1 copy, 2 StringName). */
  void stringFromStringName(MemorySegment dst, MemorySegment stringName) {
    if (stringFromName == null) {
      MemorySegment fn = callAddress("variant_get_ptr_constructor", GType.STRING.id, 2);
      stringFromName = downcall(fn, GDExtensionPtrConstructor.descriptor());
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment args = a.allocate(ValueLayout.ADDRESS);
      args.set(ValueLayout.ADDRESS, 0, stringName);
      stringFromName.invokeExact(dst, args);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  private volatile MethodHandle stringFromName;

  /** Destroys the builtin value of type t at p. */
  void destroy(GType t, MemorySegment p) {
    MethodHandle h = dtor.computeIfAbsent(t, k -> {
      MemorySegment fn = callAddress("variant_get_ptr_destructor", k.id);
      return downcall(fn, GDExtensionPtrDestructor.descriptor());
    });
    try {
      h.invokeExact(p);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Wraps the builtin value at `value` into the uninitialized Variant at `variant`. */
  void variantFrom(GType t, MemorySegment variant, MemorySegment value) {
    convert(fromType, "get_variant_from_type_constructor", GDExtensionVariantFromTypeConstructorFunc.descriptor(), t,
        variant, value);
  }

  /** Extracts the Variant's value into the uninitialized builtin at `value`. */
  void variantTo(GType t, MemorySegment value, MemorySegment variant) {
    convert(toType, "get_variant_to_type_constructor", GDExtensionTypeFromVariantConstructorFunc.descriptor(), t,
        value, variant);
  }

  private void convert(Map<GType, MethodHandle> cache, String getter, FunctionDescriptor d, GType t, MemorySegment dst,
      MemorySegment src) {
    MethodHandle h = cache.computeIfAbsent(t, k -> downcall(callAddress(getter, k.id), d));
    try {
      h.invokeExact(dst, src);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Calls builtin method `name` (4.3 hash) of type t on `base`. */
  void builtin(GType t, String name, long hash, MemorySegment base, MemorySegment args, MemorySegment ret, int argc) {
    MethodHandle h = builtins.computeIfAbsent(t.name() + "." + name, k -> {
      MemorySegment fn = callAddress("variant_get_ptr_builtin_method", t.id, stringName(name), hash);
      if (fn.equals(MemorySegment.NULL)) {
        throw new IllegalStateException("Godot has no builtin " + t + "." + name + " with hash " + hash);
      }
      return downcall(fn, GDExtensionPtrBuiltInMethod.descriptor());
    });
    try {
      h.invokeExact(base, args, ret, argc);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** size() of an Array, Dictionary or packed array. */
  long size(GType t, MemorySegment value) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment r = a.allocate(I64);
      builtin(t, "size", HASH_SIZE, value, MemorySegment.NULL, r, 0);
      return r.get(I64, 0);
    }
  }

  /** resize(n) of an Array or packed array. */
  void resize(GType t, MemorySegment value, long n) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment arg = a.allocate(I64);
      arg.set(I64, 0, n);
      MemorySegment args = a.allocate(PTR);
      args.set(ValueLayout.ADDRESS, 0, arg);
      MemorySegment r = a.allocate(I64);
      builtin(t, "resize", HASH_RESIZE, value, args, r, 1);
      if (r.get(I64, 0) != 0) {
        throw new IllegalStateException(t + ".resize(" + n + ") failed with error " + r.get(I64, 0));
      }
    }
  }

  // ----------------------------------------------------- engine methods

  /** 4.3 hashes of the engine methods used (extension_api.json, "classes"). */
  static final long HASH_EMIT_SIGNAL = 4047867050L;
  static final long HASH_CALL_DEFERRED = 3400424181L;
  static final long HASH_ADD_FORMAT_LOADER = 2896595483L;
  static final long HASH_REMOVE_FORMAT_LOADER = 405397102L;
  static final long HASH_ADD_FORMAT_SAVER = 362894272L;
  static final long HASH_REMOVE_FORMAT_SAVER = 3373026878L;
  static final long HASH_FILE_OPEN = 1247358404L;
  static final long HASH_FILE_EXISTS = 2323990056L;
  static final long HASH_FILE_OPEN_ERROR = 166280745L;
  static final long HASH_FILE_LENGTH = 3905245786L;
  static final long HASH_FILE_SEEK = 1286410249L;
  static final long HASH_FILE_GET_BUFFER = 4131300905L;
  static final long HASH_FILE_STORE_BUFFER = 2971499966L;
  static final long HASH_FILE_CLOSE = 3218959716L;
  static final long HASH_UNREFERENCE = 2240911060L;
  static final long HASH_ADD_EXPORT_PLUGIN = 4095952207L;
  static final long HASH_REMOVE_EXPORT_PLUGIN = 4095952207L;
  static final long HASH_ADD_SHARED_OBJECT = 3098291045L;
  static final long HASH_GET_OS_NAME = 201670096L;
  private final Map<String, MemorySegment> binds = new ConcurrentHashMap<>();

  /**
   * Calls vararg engine method `method` of `class` on `object` with Variant arguments:
   * {@code object_method_bind_call}. Used for Object.call_deferred (any thread) and
   * Object.emit_signal (main thread).
   */
  void callEngine(String cls, String method, long hash, MemorySegment object, MemorySegment... variants) {
    MemorySegment bind = methodBind(cls, method, hash);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment argv = a.allocate(ValueLayout.ADDRESS, Math.max(1, variants.length));
      for (int i = 0; i < variants.length; i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, variants[i]);
      }
      MemorySegment ret = a.allocate(GType.VARIANT_SIZE, 8);
      MemorySegment err = GDExtensionCallError.allocate(a);
      call("object_method_bind_call", bind, object, argv,
          (long) variants.length, ret, err);
      call("variant_destroy", ret);
      if (GDExtensionCallError.error(err) != 0) {
        throw new IllegalStateException(cls + "." + method + " failed with call error " + GDExtensionCallError.error(err));
      }
    }
  }

  /** An engine singleton, e.g. ResourceLoader. */
  MemorySegment singleton(String name) {
    MemorySegment o = callAddress("global_get_singleton", stringName(name));
    if (o.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("Godot has no singleton " + name);
    }
    return o;
  }

  /** A method bind of an engine class, by name and 4.3 hash. */
  MemorySegment methodBind(String cls, String method, long hash) {
    return binds.computeIfAbsent(cls + "." + method, k -> {
      MemorySegment b = callAddress("classdb_get_method_bind", stringName(cls), stringName(method), hash);
      if (b.equals(MemorySegment.NULL)) {
        throw new IllegalStateException("Godot has no method " + cls + "." + method + " with hash " + hash);
      }
      return b;
    });
  }

  /** {@code object_method_bind_ptrcall}: typed arguments, typed (initialized) result. */
  void ptrcallEngine(MemorySegment bind, MemorySegment object, MemorySegment ret, MemorySegment... args) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment argv = a.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
      for (int i = 0; i < args.length; i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, args[i]);
      }
      call("object_method_bind_ptrcall", bind, object, argv, ret);
    }
  }

  // -------------------------------------------------------------- helpers

  /** Calls a void interface function. */
  void call(String name, Object... args) {
    try {
      handle(name).invokeWithArguments(args);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Calls an interface function returning a pointer. */
  MemorySegment callAddress(String name, Object... args) {
    try {
      return (MemorySegment) handle(name).invokeWithArguments(args);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Calls an interface function returning an integer (int32 or int64). */
  long callLong(String name, Object... args) {
    try {
      return ((Number) handle(name).invokeWithArguments(args)).longValue();
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Godot's error printer: shows in the output panel and the editor's debugger. */
  void printError(String message, String where) {
    try (Arena a = Arena.ofConfined()) {
      call("print_error", a.allocateFrom(message),
          a.allocateFrom(where), a.allocateFrom("ExecuTorchResource.java"), 0, (byte) 0);
    } catch (RuntimeException e) {
      System.err.println("ERROR: " + message + " (and print_error failed: " + e + ")");
    }
  }

  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
