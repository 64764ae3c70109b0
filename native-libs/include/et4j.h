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
  ET_ERR_KERNEL_FAILED = 0x10C,      /* a caller-registered kernel failed (see et_kernel_fn) */
  ET_ERR_LIBRARY_LOAD_FAILED = 0x10D,/* an operator library could not be loaded (dlopen) */
  ET_ERR_WORKER_CRASHED = 0x10E,     /* the isolated worker process died (signal or exit) */
  ET_ERR_TIMEOUT = 0x10F,            /* the isolated worker did not answer in time (it was killed) */
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

/* Runs the method on the inputs set so far. Set them again before the next execute:
 * memory planning may reuse an input's buffer for intermediates, so after an execute
 * it need not hold that input any more. *out_elapsed_ns (nullable) gets the
 * execute's duration on a monotonic clock. */
ET4J_API et_status et_method_execute(et_method *method, int64_t *out_elapsed_ns);

/* The whole forward in one call: sets inputs[0..num_inputs), executes, and
 * describes outputs[0..num_outputs) (views, as et_method_output). num_inputs
 * must equal the method's input count and num_outputs its output count. On an
 * input failure nothing is executed. *out_elapsed_ns (nullable) as execute.
 * keep0..keep3 are not read: a caller that passes input data pointers there
 * gets them kept alive for the call by its FFI (Java's FFM does this for
 * pointer arguments, not for pointers inside structs). executorch4j passes its
 * first four inputs so; it copies any further input into memory of its own first. */
ET4J_API et_status et_method_forward(et_method *method, const et_tensor_input *inputs,
                                     int64_t num_inputs, et_tensor_view *outputs,
                                     int64_t num_outputs, int64_t *out_elapsed_ns,
                                     const void *keep0, const void *keep1, const void *keep2,
                                     const void *keep3);

/* Dry-run mode for et_method_forward (off at load). While on, et_method_forward checks
 * its counts and describes the outputs as usual but neither reads the inputs nor
 * executes, and *out_elapsed_ns gets 0: a binding can run its own call path many
 * times at load, cheaply, so its JIT compiles that path before the first real call.
 * Other functions ignore it. */
ET4J_API et_status et_method_set_dry_run(et_method *method, int32_t dry_run);

/* Number of events the tracer recorded in the last execute (0 without profiling). */
ET4J_API et_status et_method_profile_count(const et_method *method, int64_t *out_count);

/* Event `index` of the last execute. */
ET4J_API et_status et_method_profile_event(const et_method *method, int64_t index,
                                          et_profile_event *out_event);

/* The ETDump (ExecuTorch devtools format) of every execute since load. The
 * caller owns *out_data and frees it with et_free. Profiling must be on. */
ET4J_API et_status et_method_etdump(et_method *method, void **out_data, uint64_t *out_size);

/* Bytes per element of a dtype code (every ScalarType of ExecuTorch 1.5.1, 0..29); 0 for any other code. */
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

/* Copies the memory-planned buffers of `src` into `dst`: the method's mutable state (buffers such
 * as an LLM's KV cache) and its activations. Both must be loads of the same method of the same
 * program (then their planned buffers have the same sizes), and neither may run during the call.
 * A forked conversation is one such copy. */
ET4J_API et_status et_method_copy_state(et_method *dst, const et_method *src);

/* Zeroes the memory-planned buffers of `method`. Mutable buffers without an initial value in the
 * program (an LLM's KV cache) otherwise start as whatever the allocator returned, and attention
 * over a cache slot holding a NaN pattern gives NaN even where the slot is masked. */
ET4J_API et_status et_method_clear_state(et_method *method);

/* ---- custom operators ----
 * ExecuTorch finds kernels by operator name ("namespace::op.overload") in one
 * process-wide registry, when a method loads. Kernels come from native libraries
 * (et_op_library_load) or from the caller (et_kernel_register). ExecuTorch cannot
 * unregister a kernel: both last for the life of the process. */

/* Tags of the values a kernel receives (ExecuTorch's runtime::Tag). */
typedef enum {
  ET_VALUE_NONE = 0,          /* an optional argument that is absent */
  ET_VALUE_TENSOR = 1,
  ET_VALUE_STRING = 2,        /* data: the bytes, count: their number (not NUL-terminated) */
  ET_VALUE_DOUBLE = 3,
  ET_VALUE_INT = 4,
  ET_VALUE_BOOL = 5,          /* int_value 0 or 1 */
  ET_VALUE_LIST_BOOL = 6,     /* data: count bytes (0/1) */
  ET_VALUE_LIST_DOUBLE = 7,   /* data: count doubles */
  ET_VALUE_LIST_INT = 8,      /* data: count int64 */
  ET_VALUE_LIST_TENSOR = 9,   /* count only: not passed to caller kernels */
  ET_VALUE_LIST_SCALAR = 10,  /* count only */
  ET_VALUE_LIST_OPTIONAL_TENSOR = 11 /* count only */
} et_value_tag;

/* One value of a kernel call, described for a caller kernel. Pointers are
 * views of the runtime's memory, valid only during the call. */
typedef struct {
  int32_t tag;             /* et_value_tag */
  int32_t is_output;       /* 1: a tensor the kernel must write (an out argument, or the
                              returned tensor of a functional op); 0: read-only */
  int32_t dtype;           /* tensors: c10 ScalarType code */
  int32_t rank;
  int64_t sizes[ET_MAX_RANK];
  void *data;              /* tensor data, list elements or string bytes */
  int64_t nbytes;          /* tensors: bytes at the current shape */
  int64_t count;           /* lists and strings: number of elements */
  int64_t int_value;       /* ET_VALUE_INT, ET_VALUE_BOOL */
  double double_value;     /* ET_VALUE_DOUBLE */
} et_kernel_value;

typedef struct et_kernel_call et_kernel_call; /* one running kernel call (valid during it) */

/* A caller kernel. `values` are the call's arguments in schema order; the last
 * one is the return value (for .out operators, the same value as the out
 * argument). Returns 0 on success, anything else fails the call: the execute
 * then fails with ET_ERR_KERNEL_FAILED. Must return (never unwind or longjmp). */
typedef int32_t (*et_kernel_fn)(void *userdata, et_kernel_call *call, et_kernel_value *values,
                                int64_t num_values);

/* Registers `fn` as the kernel of operator `op_name` ("namespace::op.overload",
 * e.g. "my_ops::mul3.out") for every dtype. Must happen before a method using
 * it loads. The name is copied. `fn` and `userdata` must stay valid for the
 * life of the process. Fails with REGISTRATION_ALREADY_REGISTERED (0x16) when
 * the runtime already has a kernel of that name (from any source), and with
 * REGISTRATION_EXCEEDING_MAX_KERNELS (0x15) when the facade's 64 kernel slots or
 * the runtime's registry (2000 kernels) are full. Thread-safe; waits for
 * method loads in progress. */
ET4J_API et_status et_kernel_register(const char *op_name, et_kernel_fn fn, void *userdata);

/* Resizes output value `index` of a running call to `sizes` (same rank), as
 * ExecuTorch's resize_tensor does: only dimensions the program declared dynamic
 * may change, and only within their bound. On success *out_value (nullable) is
 * the value's new description. Callable only from inside the call's kernel. */
ET4J_API et_status et_kernel_call_resize_output(et_kernel_call *call, int64_t index,
                                                const int64_t *sizes, int32_t rank,
                                                et_kernel_value *out_value);

/* Loads a shared library of kernels written against ExecuTorch's C++ API; its
 * static initializers register them. The runtime's libraries are made global
 * first, so the library's ExecuTorch symbols resolve against the runtime this
 * facade uses (whether or not it links libexecutorch.so itself). The library
 * is never unloaded. *out_new_kernels (nullable) gets the number of kernels it
 * added (0 if it was loaded before). Caution: ExecuTorch aborts the process
 * when a library registers a name that already has a kernel (KNOWN_ISSUES.md). */
ET4J_API et_status et_op_library_load(const char *path, int64_t *out_new_kernels);

/* Kernels in the runtime's registry (one entry per operator and dtype
 * specialization, in registration order), and the operator name of entry `index`. */
ET4J_API et_status et_runtime_kernel_count(int64_t *out_count);
ET4J_API et_status et_runtime_kernel_name(int64_t index, char *buf, uint64_t buf_size,
                                          int64_t *out_length);

/* Delegate backends registered in the runtime, and the id of backend `index`. */
ET4J_API et_status et_runtime_backend_count(int64_t *out_count);
ET4J_API et_status et_runtime_backend_name(int64_t index, char *buf, uint64_t buf_size,
                                           int64_t *out_length);

/* Operators `method` calls (its operator table, in order), read from the
 * program without loading the method. *out_registered (nullable) is 1 when the
 * runtime has a kernel of that name now, else 0. */
ET4J_API et_status et_program_operator_count(const et_program *program, const char *method,
                                             int64_t *out_count);
ET4J_API et_status et_program_operator(const et_program *program, const char *method,
                                       int64_t index, char *buf, uint64_t buf_size,
                                       int64_t *out_length, int32_t *out_registered);

/* ---- isolated execution (Linux) ----
 * A program loaded into a worker process (the et4j-worker executable shipped beside this
 * library), so that a crash or hang in ExecuTorch's kernels or a delegate kills the worker, not
 * the caller. Inputs and outputs travel through memory shared with the worker (a memfd with one
 * slot per input and output of every method); calls and replies over a socketpair. When the
 * worker dies a call fails with ET_ERR_WORKER_CRASHED (the text names the signal), when it does
 * not answer within the deadline it is killed and the call fails with ET_ERR_TIMEOUT; either way
 * the worker handle is dead from then on (every call fails the same way) and is destroyed as usual.
 * A worker serves one caller at a time (calls are serialized by a lock). */

typedef struct et_worker et_worker; /* one worker process and the memory shared with it */

typedef struct {
  int64_t call_timeout_ms;    /* a load or forward that takes longer kills the worker; 0 = no deadline */
  int64_t memory_limit_bytes; /* RLIMIT_AS of the worker, set before the program is read; 0 = none */
  int64_t cpu_limit_seconds;  /* RLIMIT_CPU of the worker (SIGXCPU, then SIGKILL); 0 = none */
  int32_t sandbox;            /* 1: after loading, no_new_privs + a seccomp-bpf allow-list (Linux) */
  int32_t debug_hooks;        /* tests only: enables et_worker_debug_probe in the worker */
} et_worker_config;

/* Starts the worker executable at `worker_path` (socketpair on its fd 3, no other fd, an empty
 * environment). Caller owns *out_worker (et_worker_destroy). */
ET4J_API et_status et_worker_start(const char *worker_path, const et_worker_config *config,
                                   et_worker **out_worker);

/* Loads a program into the worker and every one of its methods (in program order), with
 * `config`'s threads and XNNPACK options (memory policy AUTO; no profiling). `program` is copied
 * into memory shared with the worker during the call. *out_num_methods (nullable) gets the count. */
ET4J_API et_status et_worker_load(et_worker *worker, const void *program, uint64_t size,
                                  int32_t verification, const et_method_config *config,
                                  int64_t *out_num_methods);

/* The dynamic-dimension mask of input `index` of method `method` (as et_method_input_dynamic_dims,
 * probed by the worker at load). out_mask holds ET_MAX_RANK bytes. */
ET4J_API et_status et_worker_input_dynamic_dims(const et_worker *worker, int64_t method, int64_t index,
                                                uint8_t *out_mask);

/* The shared slot of input `index` of `method`: *out_data (valid until et_worker_destroy) holds
 * *out_capacity bytes. An input whose data pointer is its slot is not copied by et_worker_forward:
 * a caller that writes each input into its slot itself passes the slot. */
ET4J_API et_status et_worker_input_slot(et_worker *worker, int64_t method, int64_t index, void **out_data,
                                        uint64_t *out_capacity);

/* As et_method_forward, run by the worker: copies each input into its shared slot (unless its
 * data pointer is that slot already), runs method number `method`, and copies each output out of
 * the shared memory into a buffer of the handle's own (checking its size and shape), so the worker
 * cannot change it afterwards. outputs[j].data points at that buffer, valid until the next call on
 * this worker or its destruction. No keep-alive arguments: a binding whose FFI does not keep
 * pointers inside structs alive writes every input into its slot itself (et_worker_input_slot). */
ET4J_API et_status et_worker_forward(et_worker *worker, int64_t method, const et_tensor_input *inputs,
                                     int64_t num_inputs, et_tensor_view *outputs, int64_t num_outputs,
                                     int64_t *out_elapsed_ns);

/* The worker's process id (for diagnostics), 0 once it is gone. */
ET4J_API int32_t et_worker_pid(const et_worker *worker);

/* Tests only (config.debug_hooks = 1): the worker tries one forbidden or fatal thing (see
 * et4j_ipc.h: 1 open, 2 socket, 3 execve, 4 ptrace, 5 SIGSEGV, 6 hang, 7 abort, 8 spin) and *out_errno
 * gets the errno it saw (0 = it succeeded). */
ET4J_API et_status et_worker_debug_probe(et_worker *worker, int32_t probe, int32_t *out_errno);

/* Asks the worker to exit (kills it if it does not within a second), unmaps the shared memory
 * and frees the handle. NULL ok. */
ET4J_API void et_worker_destroy(et_worker *worker);

#ifdef __cplusplus
}
#endif
#endif /* ET4J_H */
