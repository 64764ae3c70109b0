package executorch4j.godot;

import executorch4j.godot.ffi.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The extension's view of one running Godot, made once at initialization and handed to what needs
 * it: the typed interface functions ({@link GdInterface}), Godot strings and builtin values, engine
 * method calls by 4.3 hash, signals and deferred calls, {@link Variants}, and the error printer.
 * Builtin-type and method-bind pointers are fetched once and cached.
 */
final class Gd {
  static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
  static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
  static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
  static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;
  static final MemoryLayout PTR = ValueLayout.ADDRESS;

  /** 4.3 hashes of the builtin methods used (extension_api.json, "builtin_classes"). */
  static final long HASH_SIZE = 3173160232L;

  static final long HASH_RESIZE = 848867239L;
  static final long HASH_KEYS = 4144163970L;

  final MemorySegment library;

  /** The interface functions, typed. */
  final GdInterface api;

  /** Godot values to Java values and back. */
  final Variants variants;

  // Caches are concurrent: forward_async's worker thread calls into Godot too (call_deferred).
  // Builtin-type function pointers, by type (or Type.method), fetched once.
  private final Map<GType, MemorySegment> fromType = new ConcurrentHashMap<>();
  private final Map<GType, MemorySegment> toType = new ConcurrentHashMap<>();
  private final Map<GType, MemorySegment> ctor0 = new ConcurrentHashMap<>();
  private final Map<GType, MemorySegment> stringFromName = new ConcurrentHashMap<>();
  private final Map<GType, MemorySegment> dtor = new ConcurrentHashMap<>();
  private final Map<String, MemorySegment> builtins = new ConcurrentHashMap<>();

  /** StringNames and Strings this extension made for its lifetime, destroyed at deinit. */
  private final List<MemorySegment> strings = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Map<String, MemorySegment> nameCache = new ConcurrentHashMap<>();

  Gd(long getProcAddress, long library) {
    this.library = MemorySegment.ofAddress(library);
    this.api = new GdInterface(MemorySegment.ofAddress(getProcAddress));
    this.variants = new Variants(this);
  }

  // ------------------------------------------------------------- strings

  /** A StringName that lives until deinit (class, method and property names). */
  MemorySegment stringName(String s) {
    return nameCache.computeIfAbsent(
        s,
        k -> {
          MemorySegment sn = Arena.global().allocate(GType.STRING_NAME.size, 8);
          api.stringNameNewWithUtf8Chars(sn, Arena.global().allocateFrom(k));
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
    api.stringNewWithUtf8CharsAndLen(dst, chars, utf8.length);
  }

  /** The text of the Godot String at `str`. */
  String readString(MemorySegment str) {
    try (Arena a = Arena.ofConfined()) {
      long len = api.stringToUtf8Chars(str, MemorySegment.NULL, 0L);
      if (len <= 0) {
        return "";
      }
      MemorySegment buf = a.allocate(len);
      long got = api.stringToUtf8Chars(str, buf, len);
      return new String(buf.asSlice(0, Math.min(len, got)).toArray(U8), StandardCharsets.UTF_8);
    }
  }

  /** get_library_path: where Godot loaded this extension's shared library from (an OS path). */
  String libraryPath() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment str = a.allocate(GType.STRING.size, 8);
      api.getLibraryPath(library, str);
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
    GDExtensionPtrConstructor.invoke(
        ctor0.computeIfAbsent(t, k -> api.variantGetPtrConstructor(k.id, 0)),
        dst,
        MemorySegment.NULL);
  }

  /** String(StringName): constructor index 2 of String in 4.3 (0 default, 1 copy, 2 StringName). */
  void stringFromStringName(MemorySegment dst, MemorySegment stringName) {
    MemorySegment fn =
        stringFromName.computeIfAbsent(GType.STRING, k -> api.variantGetPtrConstructor(k.id, 2));
    try (Arena a = Arena.ofConfined()) {
      GDExtensionPtrConstructor.invoke(fn, dst, a.allocateFrom(ValueLayout.ADDRESS, stringName));
    }
  }

  /** Destroys the builtin value of type t at p. */
  void destroy(GType t, MemorySegment p) {
    GDExtensionPtrDestructor.invoke(
        dtor.computeIfAbsent(t, k -> api.variantGetPtrDestructor(k.id)), p);
  }

  /** Wraps the builtin value at `value` into the uninitialized Variant at `variant`. */
  void variantFrom(GType t, MemorySegment variant, MemorySegment value) {
    GDExtensionVariantFromTypeConstructorFunc.invoke(
        fromType.computeIfAbsent(t, k -> api.getVariantFromTypeConstructor(k.id)), variant, value);
  }

  /** Extracts the Variant's value into the uninitialized builtin at `value`. */
  void variantTo(GType t, MemorySegment value, MemorySegment variant) {
    GDExtensionTypeFromVariantConstructorFunc.invoke(
        toType.computeIfAbsent(t, k -> api.getVariantToTypeConstructor(k.id)), value, variant);
  }

  /** Calls builtin method `name` (4.3 hash) of type t on `base`. */
  void builtin(
      GType t,
      String name,
      long hash,
      MemorySegment base,
      MemorySegment args,
      MemorySegment ret,
      int argc) {
    MemorySegment fn =
        builtins.computeIfAbsent(
            t.name() + "." + name,
            k -> {
              MemorySegment f = api.variantGetPtrBuiltinMethod(t.id, stringName(name), hash);
              if (f.equals(MemorySegment.NULL)) {
                throw new IllegalStateException(
                    "Godot has no builtin " + t + "." + name + " with hash " + hash);
              }
              return f;
            });
    GDExtensionPtrBuiltInMethod.invoke(fn, base, args, ret, argc);
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
        throw new IllegalStateException(
            t + ".resize(" + n + ") failed with error " + r.get(I64, 0));
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
   * Calls vararg engine method `method` of `class` on `object` with Variant arguments: {@code
   * object_method_bind_call}. Used for Object.call_deferred (any thread) and Object.emit_signal
   * (main thread).
   */
  void callEngine(
      String cls, String method, long hash, MemorySegment object, MemorySegment... args) {
    MemorySegment bind = methodBind(cls, method, hash);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment argv = a.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
      for (int i = 0; i < args.length; i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, args[i]);
      }
      MemorySegment ret = a.allocate(GType.VARIANT_SIZE, 8);
      MemorySegment err = GDExtensionCallError.allocate(a);
      api.objectMethodBindCall(bind, object, argv, args.length, ret, err);
      api.variantDestroy(ret);
      if (GDExtensionCallError.error(err) != 0) {
        throw new IllegalStateException(
            cls + "." + method + " failed with call error " + GDExtensionCallError.error(err));
      }
    }
  }

  /**
   * {@code object.call_deferred(method, requestId)}: any thread (a worker hands a result to the
   * main thread this way, never touching the scene itself).
   */
  void callDeferred(MemorySegment object, String method, long requestId) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment name = a.allocate(GType.VARIANT_SIZE, 8);
      MemorySegment id = a.allocate(GType.VARIANT_SIZE, 8);
      variantFrom(GType.STRING_NAME, name, stringName(method));
      variants.write(requestId, id);
      try {
        callEngine("Object", "call_deferred", HASH_CALL_DEFERRED, object, name, id);
      } finally {
        api.variantDestroy(name);
        api.variantDestroy(id);
      }
    }
  }

  /**
   * {@code object.emit_signal(signal, args...)}, the arguments as {@link Variants} writes them;
   * main thread.
   */
  void emitSignal(MemorySegment object, String signal, Object... args) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment[] vs = new MemorySegment[args.length + 1];
      for (int i = 0; i < vs.length; i++) {
        vs[i] = a.allocate(GType.VARIANT_SIZE, 8);
      }
      variantFrom(GType.STRING_NAME, vs[0], stringName(signal));
      for (int i = 0; i < args.length; i++) {
        variants.write(args[i], vs[i + 1]);
      }
      try {
        callEngine("Object", "emit_signal", HASH_EMIT_SIGNAL, object, vs);
      } finally {
        for (MemorySegment v : vs) {
          api.variantDestroy(v);
        }
      }
    }
  }

  /**
   * Registers extension class `cls` (base `base`) whose behaviour is all virtuals (the resource
   * formats, the editor plugins); class_userdata `kind` tells the shared stubs which class it is.
   */
  void registerVirtualsClass(
      String cls,
      String base,
      int kind,
      MemorySegment create,
      MemorySegment free,
      MemorySegment getVirtual) {
    MemorySegment info = GDExtensionClassCreationInfo3.allocate(Arena.global());
    GDExtensionClassCreationInfo3.is_exposed(info, (byte) 1);
    GDExtensionClassCreationInfo3.create_instance_func(info, create);
    GDExtensionClassCreationInfo3.free_instance_func(info, free);
    GDExtensionClassCreationInfo3.get_virtual_func(info, getVirtual);
    GDExtensionClassCreationInfo3.class_userdata(info, MemorySegment.ofAddress(kind));
    api.classdbRegisterExtensionClass3(library, stringName(cls), stringName(base), info);
  }

  /** An upcall stub for a virtual method, living as long as the library. */
  static MemorySegment virtual(GDExtensionClassCallVirtual.Function f) {
    return GDExtensionClassCallVirtual.allocate(f, Arena.global());
  }

  /** An engine singleton, e.g. ResourceLoader. */
  MemorySegment singleton(String name) {
    MemorySegment o = api.globalGetSingleton(stringName(name));
    if (o.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("Godot has no singleton " + name);
    }
    return o;
  }

  /** A method bind of an engine class, by name and 4.3 hash. */
  MemorySegment methodBind(String cls, String method, long hash) {
    return binds.computeIfAbsent(
        cls + "." + method,
        k -> {
          MemorySegment b = api.classdbGetMethodBind(stringName(cls), stringName(method), hash);
          if (b.equals(MemorySegment.NULL)) {
            throw new IllegalStateException(
                "Godot has no method " + cls + "." + method + " with hash " + hash);
          }
          return b;
        });
  }

  /** {@code object_method_bind_ptrcall}: typed arguments, typed (initialized) result. */
  void ptrcallEngine(
      MemorySegment bind, MemorySegment object, MemorySegment ret, MemorySegment... args) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment argv = a.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
      for (int i = 0; i < args.length; i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, args[i]);
      }
      api.objectMethodBindPtrcall(bind, object, argv, ret);
    }
  }

  // -------------------------------------------------------------- helpers

  /** Godot's error printer: shows in the output panel and the editor's debugger. */
  void printError(String message, String where) {
    try (Arena a = Arena.ofConfined()) {
      api.printError(
          a.allocateFrom(message),
          a.allocateFrom(where),
          a.allocateFrom("ExecuTorchResource.java"),
          0,
          (byte) 0);
    } catch (RuntimeException e) {
      System.err.println("ERROR: " + message + " (and print_error failed: " + e + ")");
    }
  }

  /**
   * Reports what an upcall caught, as a Godot error: an exception escaping an upcall would
   * terminate the JVM and the game with it.
   */
  void report(String what, Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    String msg = what + ": " + t + (st.length > 0 ? " at " + st[0] : "");
    try {
      printError(msg, what);
    } catch (Throwable ignored) {
      System.err.println("ERROR: " + msg);
    }
  }
}
