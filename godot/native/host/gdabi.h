/* Minimal hand-written declarations of the Godot 4.3 GDExtension C ABI used by
 * gdhost and its self-test extension. Written from the interface description
 * (type names, member order, enum values); this is NOT gdextension_interface.h.
 * 64-bit only: pointers 8 bytes, GDExtensionBool = uint8_t, GDExtensionInt = int64_t,
 * enums are int32. */
#ifndef GDHOST_GDABI_H
#define GDHOST_GDABI_H
#include <stddef.h>
#include <stdint.h>

typedef uint8_t gd_bool;
typedef int64_t gd_int;

/* Variant types (GDExtensionVariantType) */
enum {
    VT_NIL = 0, VT_BOOL = 1, VT_INT = 2, VT_FLOAT = 3, VT_STRING = 4,
    VT_STRING_NAME = 21, VT_NODE_PATH = 22, VT_RID = 23, VT_OBJECT = 24,
    VT_CALLABLE = 25, VT_SIGNAL = 26, VT_DICTIONARY = 27, VT_ARRAY = 28,
    VT_PACKED_BYTE_ARRAY = 29, VT_PACKED_INT32_ARRAY = 30, VT_PACKED_INT64_ARRAY = 31,
    VT_PACKED_FLOAT32_ARRAY = 32, VT_PACKED_FLOAT64_ARRAY = 33, VT_PACKED_STRING_ARRAY = 34,
    VT_MAX = 39
};

/* GDExtensionCallErrorType */
enum {
    CALL_OK = 0, CALL_ERROR_INVALID_METHOD = 1, CALL_ERROR_INVALID_ARGUMENT = 2,
    CALL_ERROR_TOO_MANY_ARGUMENTS = 3, CALL_ERROR_TOO_FEW_ARGUMENTS = 4,
    CALL_ERROR_INSTANCE_IS_NULL = 5, CALL_ERROR_METHOD_NOT_CONST = 6
};

/* GDExtensionClassMethodFlags */
enum {
    METHOD_FLAG_NORMAL = 1, METHOD_FLAG_EDITOR = 2, METHOD_FLAG_CONST = 4,
    METHOD_FLAG_VIRTUAL = 8, METHOD_FLAG_VARARG = 16, METHOD_FLAG_STATIC = 32
};

/* PropertyUsageFlags subset (global enum in extension_api.json) */
#define PROPERTY_USAGE_DEFAULT 6u
#define PROPERTY_USAGE_NIL_IS_VARIANT 131072u

typedef struct {
    int32_t error;    /* GDExtensionCallErrorType */
    int32_t argument;
    int32_t expected;
} GDCallError;

typedef void (*GDInitializeCallback)(void *userdata, int32_t level);
typedef void (*GDDeinitializeCallback)(void *userdata, int32_t level);

typedef struct {
    int32_t minimum_initialization_level; /* GDExtensionInitializationLevel */
    void *userdata;
    GDInitializeCallback initialize;
    GDDeinitializeCallback deinitialize;
} GDInitialization;

typedef struct {
    uint32_t major, minor, patch;
    const char *string;
} GDGodotVersion;

typedef struct {
    int32_t type;            /* GDExtensionVariantType */
    void *name;              /* StringName* */
    void *class_name;        /* StringName* */
    uint32_t hint;
    void *hint_string;       /* String* */
    uint32_t usage;
} GDPropertyInfo;

typedef void (*GDMethodCall)(void *method_userdata, void *instance, const void *const *args,
                             gd_int argc, void *r_return, GDCallError *r_error);
typedef void (*GDMethodPtrCall)(void *method_userdata, void *instance, const void *const *args,
                                void *r_ret);

typedef struct {
    void *name;                      /* StringName* */
    void *method_userdata;
    GDMethodCall call_func;
    GDMethodPtrCall ptrcall_func;
    uint32_t method_flags;
    gd_bool has_return_value;
    GDPropertyInfo *return_value_info;
    int32_t return_value_metadata;   /* GDExtensionClassMethodArgumentMetadata */
    uint32_t argument_count;
    GDPropertyInfo *arguments_info;
    int32_t *arguments_metadata;
    uint32_t default_argument_count;
    void **default_arguments;        /* Variant** */
} GDClassMethodInfo;

typedef void *(*GDCreateInstance)(void *class_userdata);            /* returns Object* */
typedef void (*GDFreeInstance)(void *class_userdata, void *instance);
typedef void (*GDNotification2)(void *instance, int32_t what, gd_bool reversed);
typedef void (*GDAnyFunc)(void);

/* GDExtensionClassCreationInfo3 (Godot 4.3) */
typedef struct {
    gd_bool is_virtual;
    gd_bool is_abstract;
    gd_bool is_exposed;
    gd_bool is_runtime;
    GDAnyFunc set_func;
    GDAnyFunc get_func;
    GDAnyFunc get_property_list_func;
    GDAnyFunc free_property_list_func;
    GDAnyFunc property_can_revert_func;
    GDAnyFunc property_get_revert_func;
    GDAnyFunc validate_property_func;
    GDNotification2 notification_func;
    GDAnyFunc to_string_func;
    GDAnyFunc reference_func;
    GDAnyFunc unreference_func;
    GDCreateInstance create_instance_func;
    GDFreeInstance free_instance_func;
    GDAnyFunc recreate_instance_func;
    GDAnyFunc get_virtual_func;
    GDAnyFunc get_virtual_call_data_func;
    GDAnyFunc call_virtual_with_data_func;
    GDAnyFunc get_rid_func;
    void *class_userdata;
} GDClassCreationInfo3;

typedef void *(*GDBindingCreate)(void *token, void *instance);
typedef void (*GDBindingFree)(void *token, void *instance, void *binding);
typedef gd_bool (*GDBindingReference)(void *token, void *binding, gd_bool reference);
typedef struct {
    GDBindingCreate create_callback;
    GDBindingFree free_callback;
    GDBindingReference reference_callback;
} GDInstanceBindingCallbacks;

typedef GDAnyFunc (*GDGetProcAddress)(const char *name);
typedef gd_bool (*GDEntry)(GDGetProcAddress get_proc_address, void *library, GDInitialization *r_init);

typedef void (*GDPtrConstructor)(void *base, const void *const *args);
typedef void (*GDPtrDestructor)(void *base);
typedef void (*GDPtrBuiltInMethod)(void *base, const void *const *args, void *r_return, int32_t argc);
typedef void (*GDVariantFromType)(void *r_variant, void *p_value);
typedef void (*GDTypeFromVariant)(void *r_value, void *p_variant);

/* Size of a Variant and of builtin values (64-bit, float_64 configuration). */
#define GD_VARIANT_SIZE 24

#endif
