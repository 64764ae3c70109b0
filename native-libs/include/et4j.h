/*
 * et4j.h - the small C facade executorch4j calls through FFM.
 *
 * Conventions (after onnxruntime_c_api.h and llama.h):
 *  - Opaque handles; every fallible call returns et_status (0 = ok) and writes
 *    results through out_ pointers. On failure out_ pointers are untouched.
 *  - Status codes 0x01..0xFF are ExecuTorch's own runtime::Error values
 *    (runtime/core/error.h); 0x100 and up are the facade's.
 *  - et_last_error() gives a thread-local text for the last failure on the
 *    calling thread: what failed, and the runtime's own log line when it gave one.
 *  - *_destroy accepts NULL. No C++ exception crosses this boundary.
 *  - Ownership and lifetime are written on each function.
 * Regenerate the Java bindings with jextract/regen.sh after editing this file.
 */
#ifndef ET4J_H
#define ET4J_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define ET4J_API __declspec(dllexport)
#else
#define ET4J_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t et_status;

/* Facade status codes (runtime codes 0x00..0xFF pass through unchanged). */
enum {
  ET_OK = 0,
  ET_ERR_FILE_NOT_FOUND = 0x101,     /* path does not exist or cannot be opened */
  ET_ERR_INPUT_MISMATCH = 0x102,     /* dtype/shape/count of an input is wrong */
  ET_ERR_OPERATOR_MISSING = 0x103,   /* a kernel the program needs is not linked */
  ET_ERR_BACKEND_UNAVAILABLE = 0x104,/* a delegate backend is not linked */
  ET_ERR_CALLBACK_FAILED = 0x105,    /* a caller-supplied callback reported failure */
  ET_ERR_UNSUPPORTED_VALUE = 0x106,  /* an input/output that is not a tensor */
  ET_ERR_INTERNAL = 0x1FF            /* a C++ exception or an impossible state */
};

/* Largest tensor rank ExecuTorch supports (kTensorDimensionLimit). */
#define ET_MAX_RANK 16

/* How a file is brought into memory. */
typedef enum {
  ET_LOAD_FILE = 0,        /* read() each segment into malloc'd buffers */
  ET_LOAD_MMAP = 1,        /* mmap the file, pages faulted in on use */
  ET_LOAD_MMAP_MLOCK = 2   /* mmap and mlock (fails softly if mlock is denied) */
} et_load_mode;

/* Program verification (ExecuTorch Program::Verification). */
typedef enum {
  ET_VERIFY_MINIMAL = 0,
  ET_VERIFY_INTERNAL_CONSISTENCY = 1 /* default for untrusted files */
} et_verification;

/* Where a method's memory comes from. */
typedef enum {
  ET_MEMORY_AUTO = 0,   /* malloc per allocation, freed with the method */
  ET_MEMORY_STATIC = 1, /* carved from one caller-owned pool */
  ET_MEMORY_CUSTOM = 2  /* every allocation through the caller's callbacks */
} et_memory_policy;

/* Caller allocator for ET_MEMORY_CUSTOM. Returns NULL on failure. */
typedef void *(*et_alloc_fn)(void *userdata, uint64_t size, uint64_t alignment);
/* Releases a block returned by et_alloc_fn (size as requested). */
typedef void (*et_free_fn)(void *userdata, void *ptr, uint64_t size);

/* Streaming source: copy `size` bytes at `offset` into `dst`.
 * Returns the number of bytes copied (must equal size) or -1 on failure. */
typedef int64_t (*et_read_fn)(void *userdata, uint64_t offset, void *dst, uint64_t size);

typedef struct et_pool et_pool;       /* bookkeeping over one caller-owned memory pool */
typedef struct et_program et_program; /* a loaded .pte: Program + its data loader */
typedef struct et_method et_method;   /* a loaded method + all of its memory */

/* Per-input/output metadata as the program declares it. */
typedef struct {
  int32_t kind;            /* 1 = tensor; 0 = none; 2 = other (int, double, list...) */
  int32_t dtype;           /* c10 ScalarType code (6 = float32 ...); -1 if not a tensor */
  int32_t rank;
  int32_t memory_planned;  /* 1 if the runtime owns the buffer (inputs are copied in) */
  int64_t nbytes;          /* bytes at the declared (upper-bound) shape */
  int32_t sizes[ET_MAX_RANK];
  uint8_t dim_order[ET_MAX_RANK];
} et_tensor_info;

/* Method-level metadata. */
typedef struct {
  int64_t num_inputs;
  int64_t num_outputs;
  int64_t num_planned_buffers;
  int64_t planned_bytes;   /* sum of all memory-planned buffer sizes */
  int64_t num_backends;
} et_method_info;

/* One data segment stored after the program flatbuffer: the constants, or a delegate's
 * compiled blob. Streaming loads read each one on demand, once. */
typedef enum {
  ET_SEGMENT_OTHER = 0,     /* e.g. mutable data */
  ET_SEGMENT_CONSTANTS = 1, /* the program's constant tensors */
  ET_SEGMENT_DELEGATE = 2,  /* a backend's processed blob; name is the backend id */
  ET_SEGMENT_NAMED_DATA = 3 /* a named blob (e.g. delegate weights); name is its key */
} et_segment_kind;

typedef struct {
  uint64_t offset; /* absolute offset in the .pte */
  uint64_t size;
  int32_t kind;    /* et_segment_kind */
  char name[64];   /* backend id or data key (truncated), else empty */
} et_segment_info;

/* A live output tensor: a view into the method's memory, valid until the next
 * et_method_* call on that method or its destruction. */
typedef struct {
  int32_t dtype;
  int32_t rank;
  int64_t sizes[ET_MAX_RANK];
  void *data;
  int64_t nbytes;
} et_tensor_view;

/* One input for et_method_forward. */
typedef struct {
  int32_t dtype;
  int32_t rank;
  int64_t sizes[ET_MAX_RANK];
  void *data;              /* read during the call (copied into planned memory) */
  uint64_t nbytes;
} et_tensor_input;

/* Method load configuration; start from et_method_config_default(). */
typedef struct {
  int32_t memory_policy;   /* et_memory_policy */
  et_pool *pool;           /* ET_MEMORY_STATIC: shared by the model's methods, outlives them */
  et_alloc_fn alloc;       /* ET_MEMORY_CUSTOM */
  et_free_fn free;
  void *alloc_userdata;
  /* Threads for XNNPACK and the optimized kernels: 0 = the runtime's default
   * pool, 1 = run on the calling thread only, N > 1 = resize the process-wide
   * pool to N (ExecuTorch has one pool per process). */
  int32_t threads;
  int32_t xnnpack_weight_cache;      /* 1 = share packed weights (XNNPACK option) */
  int32_t xnnpack_workspace_sharing; /* -1 default, 0 off, 1 per model, 2 global */
  int32_t warmup_runs;               /* executes with zero inputs at load */
  int32_t profiling;                 /* 1 = attach an event tracer */
} et_method_config;

/* One profiled event of the last execute. */
typedef struct {
  char name[128];          /* operator (aten::convolution.out), delegate or runtime scope */
  int32_t kind;            /* 0 operator call, 1 delegate call, 2 delegate-internal op, 3 other */
  int32_t chain;
  int64_t instruction;     /* instruction index (operators) or delegate debug id; -1 if none */
  int64_t start_ns;        /* since the start of the execute */
  int64_t duration_ns;
} et_profile_event;

/* Memory accounting of one method (bytes). */
typedef struct {
  int64_t planned_bytes;   /* memory-planned activations/IO */
  int64_t method_bytes;    /* method allocator: values, kernels, delegate state */
  int64_t temp_peak_bytes; /* largest temp allocator use during one kernel */
  int64_t pool_used_bytes; /* STATIC: high-water mark of the pool; else 0 */
  int64_t pool_size;       /* STATIC: pool capacity; else 0 */
  int64_t live_allocations;/* allocations currently held by this method */
  int64_t total_allocations;
} et_memory_stats;

/* ---- library ---- */

/* Version text of the facade and the runtime it was built against. Static storage. */
ET4J_API const char *et_version(void);

/* Text of the last failure on this thread. Valid until the next et_* call on
 * this thread. Never NULL (empty when there was none). */
ET4J_API const char *et_last_error(void);

/* Initializes the runtime (idempotent, thread-safe). Called by every loader. */
ET4J_API et_status et_runtime_init(void);

/* Is a delegate backend with this id registered (e.g. "XnnpackBackend")? */
ET4J_API int32_t et_backend_available(const char *backend_id);

/* ---- pool (ET_MEMORY_STATIC) ---- */

/* Wraps `size` bytes at `memory` (caller-owned, 64-byte aligned or better) as
 * a pool. Methods loaded with it carve their long-lived memory from the bottom
 * and share one temp area at the top. Caller owns *out_pool. */
ET4J_API et_status et_pool_create(void *memory, uint64_t size, et_pool **out_pool);

/* Pool capacity, bytes in use now, and the high-water mark. */
ET4J_API et_status et_pool_stats(const et_pool *pool, int64_t *out_size, int64_t *out_used,
                                 int64_t *out_peak);

/* Frees the bookkeeping (not the memory). Every method using it must be
 * destroyed first. NULL ok. */
ET4J_API void et_pool_destroy(et_pool *pool);

/* ---- program ---- */

/* Opens a .pte file. `path` is copied. The file stays open (mmap) or is read
 * per segment until et_program_destroy. Caller owns *out_program. */
ET4J_API et_status et_program_load_file(const char *path, int32_t load_mode,
                                        int32_t verification, et_program **out_program);

/* Loads from memory. The facade copies `size` bytes from `data`; the caller may
 * free `data` when this returns. Caller owns *out_program. */
ET4J_API et_status et_program_load_buffer(const void *data, uint64_t size,
                                          int32_t verification, et_program **out_program);

/* Loads through a read callback, one segment at a time (streaming). `read`
 * and `userdata` must stay valid until et_program_destroy: methods read their
 * segments when they are loaded. Caller owns *out_program. */
ET4J_API et_status et_program_load_stream(et_read_fn read, void *userdata, uint64_t total_size,
                                          int32_t verification, et_program **out_program);

/* Frees a program. Every method loaded from it must be destroyed first. NULL ok. */
ET4J_API void et_program_destroy(et_program *program);

ET4J_API et_status et_program_method_count(const et_program *program, int64_t *out_count);

/* Copies the NUL-terminated name of method `index` into buf (truncated to
 * buf_size - 1); *out_length gets the full length without the NUL. */
ET4J_API et_status et_program_method_name(const et_program *program, int64_t index, char *buf,
                                          uint64_t buf_size, int64_t *out_length);

ET4J_API et_status et_program_method_info(const et_program *program, const char *method,
                                          et_method_info *out_info);

/* Metadata of input (is_output = 0) or output (is_output = 1) number `index`. */
ET4J_API et_status et_program_tensor_info(const et_program *program, const char *method,
                                          int32_t is_output, int64_t index,
                                          et_tensor_info *out_info);

/* Size of memory-planned buffer `index` of `method`. */
ET4J_API et_status et_program_planned_buffer_size(const et_program *program, const char *method,
                                                  int64_t index, int64_t *out_size);

/* Copies the id of delegate backend `index` that `method` uses into buf. */
ET4J_API et_status et_program_backend_name(const et_program *program, const char *method,
                                           int64_t index, char *buf, uint64_t buf_size,
                                           int64_t *out_length);

/* Number of data segments in the program, and segment `index` (offset, size, kind).
 * Lets callers see what a streaming load reads: the flatbuffer once, each segment once. */
ET4J_API et_status et_program_segment_count(const et_program *program, int64_t *out_count);
ET4J_API et_status et_program_segment(const et_program *program, int64_t index,
                                      et_segment_info *out_info);

/* ---- method ---- */

/* Fills a config with ET_MEMORY_AUTO. */
ET4J_API et_method_config et_method_config_default(void);

/* Loads `method` of `program` (config NULL = defaults). The program must
 * outlive the method. Caller owns *out_method. */
ET4J_API et_status et_method_load(et_program *program, const char *method,
                                  const et_method_config *config, et_method **out_method);

/* Frees a method and all memory it allocated (a STATIC pool stays the
 * caller's). NULL ok. */
ET4J_API void et_method_destroy(et_method *method);

/* Sets tensor input `index`. `data` is read during this call only (the
 * runtime copies it into its planned input buffer) or, for inputs that are not
 * memory-planned, must stay valid until execute returns. */
ET4J_API et_status et_method_set_input(et_method *method, int64_t index, int32_t dtype,
                                       const int64_t *sizes, int32_t rank, void *data,
                                       uint64_t nbytes);

/* Finds which dimensions of tensor input `index` may change size at run time:
 * out_mask[d] = 1 if the runtime accepts a smaller size for dim d (a dynamic
 * dimension, bounded by the declared size), else 0. ExecuTorch's metadata does
 * not say this, so it is probed by resizing; call it before the first execute
 * (it leaves the input at its declared shape). out_mask holds ET_MAX_RANK bytes. */
ET4J_API et_status et_method_input_dynamic_dims(et_method *method, int64_t index, uint8_t *out_mask);

/* Runs the method on the inputs set so far. *out_elapsed_ns (nullable) gets the
 * execute's duration on a monotonic clock. */
ET4J_API et_status et_method_execute(et_method *method, int64_t *out_elapsed_ns);

/* The whole forward in one call: sets inputs[0..num_inputs), executes, and
 * describes outputs[0..num_outputs) (views, as et_method_output). num_inputs
 * must equal the method's input count and num_outputs its output count. On an
 * input failure nothing is executed. *out_elapsed_ns (nullable) as execute.
 * keep0..keep3 are not read: a caller that passes input data pointers there
 * gets them kept alive for the call by its FFI (Java's FFM does this for
 * pointer arguments, not for pointers inside structs). */
ET4J_API et_status et_method_forward(et_method *method, const et_tensor_input *inputs,
                                     int64_t num_inputs, et_tensor_view *outputs,
                                     int64_t num_outputs, int64_t *out_elapsed_ns,
                                     const void *keep0, const void *keep1, const void *keep2,
                                     const void *keep3);

/* Number of events the tracer recorded in the last execute (0 without profiling). */
ET4J_API et_status et_method_profile_count(const et_method *method, int64_t *out_count);

/* Event `index` of the last execute. */
ET4J_API et_status et_method_profile_event(const et_method *method, int64_t index,
                                          et_profile_event *out_event);

/* The ETDump (ExecuTorch devtools format) of every execute since load. The
 * caller owns *out_data and frees it with et_free. Profiling must be on. */
ET4J_API et_status et_method_etdump(et_method *method, void **out_data, uint64_t *out_size);

/* Bytes per element of a dtype code, 0 for a dtype the facade does not pass. */
ET4J_API uint64_t et_dtype_size(int32_t dtype);

/* Frees memory the facade handed to the caller. NULL ok. */
ET4J_API void et_free(void *data);

/* Bytes the facade holds for callers right now, process-wide (allocator blocks,
 * copied programs; not a STATIC pool, which is the caller's). 0 when every
 * program and method has been destroyed: a leak check. */
ET4J_API int64_t et_runtime_live_bytes(void);

/* Threads in ExecuTorch's process-wide pool (0 if it has none). */
ET4J_API et_status et_runtime_thread_count(int32_t *out_threads);

/* Describes output `index` after execute (a view, see et_tensor_view). */
ET4J_API et_status et_method_output(const et_method *method, int64_t index,
                                    et_tensor_view *out_view);

ET4J_API et_status et_method_memory_stats(const et_method *method, et_memory_stats *out_stats);

#ifdef __cplusplus
}
#endif
#endif /* ET4J_H */
