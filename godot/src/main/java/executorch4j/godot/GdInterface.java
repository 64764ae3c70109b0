package executorch4j.godot;

import executorch4j.godot.ffi.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The GDExtension interface functions the glue calls, typed: each pointer is looked up once by name
 * through {@code get_proc_address} when the extension starts (a Godot without one fails at load,
 * not in a game) and called through the {@code invoke} jextract generated for its typedef in Godot
 * 4.3's gdextension_interface.h (executorch4j.godot.ffi, jextract/regen-godot.sh). A misspelled
 * function or a wrong argument type is a compile error. Only functions whose {@code since} is 4.3
 * or older are looked up, so the extension loads in Godot 4.3 through 4.7 (GodotAbiTest checks the
 * names looked up here against jextract/godot-symbols.txt and the headers).
 */
final class GdInterface {
  private final MemorySegment getProcAddress;
  private final MemorySegment arrayOperatorIndexFn;
  private final MemorySegment arrayOperatorIndexConstFn;
  private final MemorySegment classdbConstructObjectFn;
  private final MemorySegment classdbGetMethodBindFn;
  private final MemorySegment editorAddPluginFn;
  private final MemorySegment editorRemovePluginFn;
  private final MemorySegment getLibraryPathFn;
  private final MemorySegment classdbRegisterExtensionClass3Fn;
  private final MemorySegment classdbRegisterExtensionClassIntegerConstantFn;
  private final MemorySegment classdbRegisterExtensionClassMethodFn;
  private final MemorySegment classdbRegisterExtensionClassPropertyFn;
  private final MemorySegment classdbRegisterExtensionClassPropertyGroupFn;
  private final MemorySegment classdbRegisterExtensionClassSignalFn;
  private final MemorySegment classdbUnregisterExtensionClassFn;
  private final MemorySegment dictionaryOperatorIndexFn;
  private final MemorySegment dictionaryOperatorIndexConstFn;
  private final MemorySegment getVariantFromTypeConstructorFn;
  private final MemorySegment getVariantToTypeConstructorFn;
  private final MemorySegment globalGetSingletonFn;
  private final MemorySegment objectDestroyFn;
  private final MemorySegment objectMethodBindCallFn;
  private final MemorySegment objectMethodBindPtrcallFn;
  private final MemorySegment objectSetInstanceFn;
  private final MemorySegment packedByteArrayOperatorIndexFn;
  private final MemorySegment packedByteArrayOperatorIndexConstFn;
  private final MemorySegment packedFloat32ArrayOperatorIndexFn;
  private final MemorySegment packedFloat32ArrayOperatorIndexConstFn;
  private final MemorySegment packedFloat64ArrayOperatorIndexFn;
  private final MemorySegment packedFloat64ArrayOperatorIndexConstFn;
  private final MemorySegment packedInt32ArrayOperatorIndexFn;
  private final MemorySegment packedInt32ArrayOperatorIndexConstFn;
  private final MemorySegment packedInt64ArrayOperatorIndexFn;
  private final MemorySegment packedInt64ArrayOperatorIndexConstFn;
  private final MemorySegment packedStringArrayOperatorIndexFn;
  private final MemorySegment packedStringArrayOperatorIndexConstFn;
  private final MemorySegment printErrorFn;
  private final MemorySegment stringNameNewWithUtf8CharsFn;
  private final MemorySegment stringNewWithUtf8CharsAndLenFn;
  private final MemorySegment stringToUtf8CharsFn;
  private final MemorySegment variantDestroyFn;
  private final MemorySegment variantGetPtrBuiltinMethodFn;
  private final MemorySegment variantGetPtrConstructorFn;
  private final MemorySegment variantGetPtrDestructorFn;
  private final MemorySegment variantGetTypeFn;
  private final MemorySegment variantNewCopyFn;
  private final MemorySegment variantNewNilFn;

  GdInterface(MemorySegment getProcAddress) {
    this.getProcAddress = getProcAddress;
    arrayOperatorIndexFn = find("array_operator_index");
    arrayOperatorIndexConstFn = find("array_operator_index_const");
    classdbConstructObjectFn = find("classdb_construct_object");
    classdbGetMethodBindFn = find("classdb_get_method_bind");
    editorAddPluginFn = find("editor_add_plugin");
    editorRemovePluginFn = find("editor_remove_plugin");
    getLibraryPathFn = find("get_library_path");
    classdbRegisterExtensionClass3Fn = find("classdb_register_extension_class3");
    classdbRegisterExtensionClassIntegerConstantFn =
        find("classdb_register_extension_class_integer_constant");
    classdbRegisterExtensionClassMethodFn = find("classdb_register_extension_class_method");
    classdbRegisterExtensionClassPropertyFn = find("classdb_register_extension_class_property");
    classdbRegisterExtensionClassPropertyGroupFn =
        find("classdb_register_extension_class_property_group");
    classdbRegisterExtensionClassSignalFn = find("classdb_register_extension_class_signal");
    classdbUnregisterExtensionClassFn = find("classdb_unregister_extension_class");
    dictionaryOperatorIndexFn = find("dictionary_operator_index");
    dictionaryOperatorIndexConstFn = find("dictionary_operator_index_const");
    getVariantFromTypeConstructorFn = find("get_variant_from_type_constructor");
    getVariantToTypeConstructorFn = find("get_variant_to_type_constructor");
    globalGetSingletonFn = find("global_get_singleton");
    objectDestroyFn = find("object_destroy");
    objectMethodBindCallFn = find("object_method_bind_call");
    objectMethodBindPtrcallFn = find("object_method_bind_ptrcall");
    objectSetInstanceFn = find("object_set_instance");
    packedByteArrayOperatorIndexFn = find("packed_byte_array_operator_index");
    packedByteArrayOperatorIndexConstFn = find("packed_byte_array_operator_index_const");
    packedFloat32ArrayOperatorIndexFn = find("packed_float32_array_operator_index");
    packedFloat32ArrayOperatorIndexConstFn = find("packed_float32_array_operator_index_const");
    packedFloat64ArrayOperatorIndexFn = find("packed_float64_array_operator_index");
    packedFloat64ArrayOperatorIndexConstFn = find("packed_float64_array_operator_index_const");
    packedInt32ArrayOperatorIndexFn = find("packed_int32_array_operator_index");
    packedInt32ArrayOperatorIndexConstFn = find("packed_int32_array_operator_index_const");
    packedInt64ArrayOperatorIndexFn = find("packed_int64_array_operator_index");
    packedInt64ArrayOperatorIndexConstFn = find("packed_int64_array_operator_index_const");
    packedStringArrayOperatorIndexFn = find("packed_string_array_operator_index");
    packedStringArrayOperatorIndexConstFn = find("packed_string_array_operator_index_const");
    printErrorFn = find("print_error");
    stringNameNewWithUtf8CharsFn = find("string_name_new_with_utf8_chars");
    stringNewWithUtf8CharsAndLenFn = find("string_new_with_utf8_chars_and_len");
    stringToUtf8CharsFn = find("string_to_utf8_chars");
    variantDestroyFn = find("variant_destroy");
    variantGetPtrBuiltinMethodFn = find("variant_get_ptr_builtin_method");
    variantGetPtrConstructorFn = find("variant_get_ptr_constructor");
    variantGetPtrDestructorFn = find("variant_get_ptr_destructor");
    variantGetTypeFn = find("variant_get_type");
    variantNewCopyFn = find("variant_new_copy");
    variantNewNilFn = find("variant_new_nil");
  }

  /** Interface function `name`, or an error naming it. */
  private MemorySegment find(String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p =
          GDExtensionInterfaceGetProcAddress.invoke(getProcAddress, a.allocateFrom(name));
      if (p.equals(MemorySegment.NULL)) {
        throw new IllegalStateException("Godot has no interface function '" + name + "'");
      }
      return p;
    }
  }

  MemorySegment arrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfaceArrayOperatorIndex.invoke(arrayOperatorIndexFn, self, index);
  }

  MemorySegment arrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfaceArrayOperatorIndexConst.invoke(
        arrayOperatorIndexConstFn, self, index);
  }

  MemorySegment classdbConstructObject(MemorySegment classname) {
    return GDExtensionInterfaceClassdbConstructObject.invoke(classdbConstructObjectFn, classname);
  }

  MemorySegment classdbGetMethodBind(MemorySegment classname, MemorySegment methodname, long hash) {
    return GDExtensionInterfaceClassdbGetMethodBind.invoke(
        classdbGetMethodBindFn, classname, methodname, hash);
  }

  void editorAddPlugin(MemorySegment className) {
    GDExtensionInterfaceEditorAddPlugin.invoke(editorAddPluginFn, className);
  }

  void editorRemovePlugin(MemorySegment className) {
    GDExtensionInterfaceEditorRemovePlugin.invoke(editorRemovePluginFn, className);
  }

  void getLibraryPath(MemorySegment library, MemorySegment rPath) {
    GDExtensionInterfaceGetLibraryPath.invoke(getLibraryPathFn, library, rPath);
  }

  void classdbRegisterExtensionClass3(
      MemorySegment library,
      MemorySegment className,
      MemorySegment parentClassName,
      MemorySegment extensionFuncs) {
    GDExtensionInterfaceClassdbRegisterExtensionClass3.invoke(
        classdbRegisterExtensionClass3Fn, library, className, parentClassName, extensionFuncs);
  }

  void classdbRegisterExtensionClassIntegerConstant(
      MemorySegment library,
      MemorySegment className,
      MemorySegment enumName,
      MemorySegment constantName,
      long constantValue,
      byte isBitfield) {
    GDExtensionInterfaceClassdbRegisterExtensionClassIntegerConstant.invoke(
        classdbRegisterExtensionClassIntegerConstantFn,
        library,
        className,
        enumName,
        constantName,
        constantValue,
        isBitfield);
  }

  void classdbRegisterExtensionClassMethod(
      MemorySegment library, MemorySegment className, MemorySegment methodInfo) {
    GDExtensionInterfaceClassdbRegisterExtensionClassMethod.invoke(
        classdbRegisterExtensionClassMethodFn, library, className, methodInfo);
  }

  void classdbRegisterExtensionClassProperty(
      MemorySegment library,
      MemorySegment className,
      MemorySegment info,
      MemorySegment setter,
      MemorySegment getter) {
    GDExtensionInterfaceClassdbRegisterExtensionClassProperty.invoke(
        classdbRegisterExtensionClassPropertyFn, library, className, info, setter, getter);
  }

  void classdbRegisterExtensionClassPropertyGroup(
      MemorySegment library,
      MemorySegment className,
      MemorySegment groupName,
      MemorySegment prefix) {
    GDExtensionInterfaceClassdbRegisterExtensionClassPropertyGroup.invoke(
        classdbRegisterExtensionClassPropertyGroupFn, library, className, groupName, prefix);
  }

  void classdbRegisterExtensionClassSignal(
      MemorySegment library,
      MemorySegment className,
      MemorySegment signalName,
      MemorySegment argumentInfo,
      long argumentCount) {
    GDExtensionInterfaceClassdbRegisterExtensionClassSignal.invoke(
        classdbRegisterExtensionClassSignalFn,
        library,
        className,
        signalName,
        argumentInfo,
        argumentCount);
  }

  void classdbUnregisterExtensionClass(MemorySegment library, MemorySegment className) {
    GDExtensionInterfaceClassdbUnregisterExtensionClass.invoke(
        classdbUnregisterExtensionClassFn, library, className);
  }

  MemorySegment dictionaryOperatorIndex(MemorySegment self, MemorySegment key) {
    return GDExtensionInterfaceDictionaryOperatorIndex.invoke(dictionaryOperatorIndexFn, self, key);
  }

  MemorySegment dictionaryOperatorIndexConst(MemorySegment self, MemorySegment key) {
    return GDExtensionInterfaceDictionaryOperatorIndexConst.invoke(
        dictionaryOperatorIndexConstFn, self, key);
  }

  MemorySegment getVariantFromTypeConstructor(int type) {
    return GDExtensionInterfaceGetVariantFromTypeConstructor.invoke(
        getVariantFromTypeConstructorFn, type);
  }

  MemorySegment getVariantToTypeConstructor(int type) {
    return GDExtensionInterfaceGetVariantToTypeConstructor.invoke(
        getVariantToTypeConstructorFn, type);
  }

  MemorySegment globalGetSingleton(MemorySegment name) {
    return GDExtensionInterfaceGlobalGetSingleton.invoke(globalGetSingletonFn, name);
  }

  void objectDestroy(MemorySegment o) {
    GDExtensionInterfaceObjectDestroy.invoke(objectDestroyFn, o);
  }

  void objectMethodBindCall(
      MemorySegment methodBind,
      MemorySegment instance,
      MemorySegment args,
      long argCount,
      MemorySegment rRet,
      MemorySegment rError) {
    GDExtensionInterfaceObjectMethodBindCall.invoke(
        objectMethodBindCallFn, methodBind, instance, args, argCount, rRet, rError);
  }

  void objectMethodBindPtrcall(
      MemorySegment methodBind, MemorySegment instance, MemorySegment args, MemorySegment rRet) {
    GDExtensionInterfaceObjectMethodBindPtrcall.invoke(
        objectMethodBindPtrcallFn, methodBind, instance, args, rRet);
  }

  void objectSetInstance(MemorySegment o, MemorySegment classname, MemorySegment instance) {
    GDExtensionInterfaceObjectSetInstance.invoke(objectSetInstanceFn, o, classname, instance);
  }

  MemorySegment packedByteArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedByteArrayOperatorIndex.invoke(
        packedByteArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedByteArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedByteArrayOperatorIndexConst.invoke(
        packedByteArrayOperatorIndexConstFn, self, index);
  }

  MemorySegment packedFloat32ArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedFloat32ArrayOperatorIndex.invoke(
        packedFloat32ArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedFloat32ArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedFloat32ArrayOperatorIndexConst.invoke(
        packedFloat32ArrayOperatorIndexConstFn, self, index);
  }

  MemorySegment packedFloat64ArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedFloat64ArrayOperatorIndex.invoke(
        packedFloat64ArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedFloat64ArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedFloat64ArrayOperatorIndexConst.invoke(
        packedFloat64ArrayOperatorIndexConstFn, self, index);
  }

  MemorySegment packedInt32ArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedInt32ArrayOperatorIndex.invoke(
        packedInt32ArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedInt32ArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedInt32ArrayOperatorIndexConst.invoke(
        packedInt32ArrayOperatorIndexConstFn, self, index);
  }

  MemorySegment packedInt64ArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedInt64ArrayOperatorIndex.invoke(
        packedInt64ArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedInt64ArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedInt64ArrayOperatorIndexConst.invoke(
        packedInt64ArrayOperatorIndexConstFn, self, index);
  }

  MemorySegment packedStringArrayOperatorIndex(MemorySegment self, long index) {
    return GDExtensionInterfacePackedStringArrayOperatorIndex.invoke(
        packedStringArrayOperatorIndexFn, self, index);
  }

  MemorySegment packedStringArrayOperatorIndexConst(MemorySegment self, long index) {
    return GDExtensionInterfacePackedStringArrayOperatorIndexConst.invoke(
        packedStringArrayOperatorIndexConstFn, self, index);
  }

  void printError(
      MemorySegment description,
      MemorySegment function,
      MemorySegment file,
      int line,
      byte editorNotify) {
    GDExtensionInterfacePrintError.invoke(
        printErrorFn, description, function, file, line, editorNotify);
  }

  void stringNameNewWithUtf8Chars(MemorySegment rDest, MemorySegment contents) {
    GDExtensionInterfaceStringNameNewWithUtf8Chars.invoke(
        stringNameNewWithUtf8CharsFn, rDest, contents);
  }

  void stringNewWithUtf8CharsAndLen(MemorySegment rDest, MemorySegment contents, long size) {
    GDExtensionInterfaceStringNewWithUtf8CharsAndLen.invoke(
        stringNewWithUtf8CharsAndLenFn, rDest, contents, size);
  }

  long stringToUtf8Chars(MemorySegment self, MemorySegment rText, long maxWriteLength) {
    return GDExtensionInterfaceStringToUtf8Chars.invoke(
        stringToUtf8CharsFn, self, rText, maxWriteLength);
  }

  void variantDestroy(MemorySegment self) {
    GDExtensionInterfaceVariantDestroy.invoke(variantDestroyFn, self);
  }

  MemorySegment variantGetPtrBuiltinMethod(int type, MemorySegment method, long hash) {
    return GDExtensionInterfaceVariantGetPtrBuiltinMethod.invoke(
        variantGetPtrBuiltinMethodFn, type, method, hash);
  }

  MemorySegment variantGetPtrConstructor(int type, int constructor) {
    return GDExtensionInterfaceVariantGetPtrConstructor.invoke(
        variantGetPtrConstructorFn, type, constructor);
  }

  MemorySegment variantGetPtrDestructor(int type) {
    return GDExtensionInterfaceVariantGetPtrDestructor.invoke(variantGetPtrDestructorFn, type);
  }

  int variantGetType(MemorySegment self) {
    return GDExtensionInterfaceVariantGetType.invoke(variantGetTypeFn, self);
  }

  void variantNewCopy(MemorySegment rDest, MemorySegment src) {
    GDExtensionInterfaceVariantNewCopy.invoke(variantNewCopyFn, rDest, src);
  }

  void variantNewNil(MemorySegment rDest) {
    GDExtensionInterfaceVariantNewNil.invoke(variantNewNilFn, rDest);
  }
}
