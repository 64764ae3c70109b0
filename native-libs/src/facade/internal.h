// internal.h - what the facade's files share: the one last-error mechanism, the handle structs
// behind et4j.h's opaque types, and the few helpers one file offers the others.
// Internal: not part of et4j.h. Every facade file includes it first.
#pragma once

#include "../glibc_floor.h"  // first: binds glibc symbols to versions the wheel's floor has
#include "et4j.h"

#include <executorch/runtime/backend/backend_options_map.h>
#include <executorch/runtime/backend/options.h>
#include <executorch/runtime/core/data_loader.h>
#include <executorch/runtime/core/event_tracer.h>
#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/hierarchical_allocator.h>
#include <executorch/runtime/core/memory_allocator.h>
#include <executorch/runtime/executor/memory_manager.h>
#include <executorch/runtime/executor/method.h>
#include <executorch/runtime/executor/method_meta.h>
#include <executorch/runtime/executor/program.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::aten::TensorImpl;
using executorch::runtime::DataLoader;
using executorch::runtime::Error;
using executorch::runtime::EValue;
using executorch::runtime::EventTracer;
using executorch::runtime::FreeableBuffer;
using executorch::runtime::HierarchicalAllocator;
using executorch::runtime::MemoryAllocator;
using executorch::runtime::MemoryManager;
using executorch::runtime::Method;
using executorch::runtime::MethodMeta;
using executorch::runtime::Program;
using executorch::runtime::Result;
using executorch::runtime::Span;
using executorch::runtime::Tag;
using executorch::runtime::TensorInfo;

namespace et4j {

// ---------------------------------------------------------------- errors (error.cpp) ----

extern thread_local std::string t_last_error;
// Error lines the runtime logged during the current facade call on this thread;
// they name the missing operator, the unregistered backend, the bad offset.
extern thread_local std::string t_runtime_log;
// Set when a caller-registered kernel failed during the current execute on this thread: which
// operator, and why; the execute then reports ET_ERR_KERNEL_FAILED instead of Internal.
extern thread_local std::string t_kernel_failure;

// ExecuTorch's name of an Error code ("OperatorMissing").
const char *error_name(int32_t code);
// Records the failure text for et_last_error() and returns the status.
et_status fail(et_status status, const char *fmt, ...);
et_status fail_runtime(Error e, const char *what);
// An execute that failed: a caller kernel's failure is named as such, anything else is the runtime's.
et_status execution_failed(Error e, const char *what);

// Registers the facade's log sink with the runtime and initializes it, once per process.
void ensure_runtime();

// Clears per-call state; every entry point opens one (through ET4J_GUARD_BEGIN).
struct CallScope {
  CallScope() {
    t_last_error.clear();
    t_runtime_log.clear();
  }
};

}  // namespace et4j

// Every entry point's body: no C++ exception may cross the C boundary, each becomes a status.
#define ET4J_GUARD_BEGIN   \
  et4j::CallScope scope_; \
  try {
#define ET4J_GUARD_END                                                                    \
  }                                                                                       \
  catch (const std::bad_alloc &) {                                                        \
    return et4j::fail(0x21, "out of memory in %s", __func__);                             \
  }                                                                                       \
  catch (const std::exception &ex) {                                                      \
    return et4j::fail(ET_ERR_INTERNAL, "C++ exception in %s: %s", __func__, ex.what());   \
  }                                                                                       \
  catch (...) {                                                                           \
    return et4j::fail(ET_ERR_INTERNAL, "unknown C++ exception in %s", __func__);          \
  }

#define ET4J_REQUIRE(cond, ...)                        \
  do {                                                 \
    if (!(cond)) return et4j::fail(0x12, __VA_ARGS__); \
  } while (0)

namespace et4j {

// ------------------------------------------------------------- memory (memory.cpp) ----

// Bytes the facade holds on the heap for callers (allocator blocks, copied
// programs), process-wide: 0 again once every model is destroyed.
extern std::atomic<int64_t> g_live_bytes;

// One caller pool shared by a method's allocators: method allocations and
// planned buffers grow up from the bottom, temp allocations down from the top,
// so the temp allocator's per-kernel reset never disturbs long-lived memory.
// The usable size is rounded down to this, so that the top-down temp area
// lays out the same way whatever the pool's size: a pool of exactly the size
// requiredPoolBytes() measured then fits.
constexpr size_t kPoolGranule = 256;

struct Pool {
  uint8_t *base = nullptr;
  size_t size = 0;
  size_t low = 0;   // bytes used from the bottom
  size_t high = 0;  // bytes used from the top
  size_t peak = 0;
  int users = 0;    // methods carved from this pool; at 0 it is empty again
  void note() {
    if (low + high > peak) peak = low + high;
  }
};

// Allocator with one of the three policies, counting what it hands out.
class FacadeAllocator final : public MemoryAllocator {
 public:
  FacadeAllocator(const et_method_config &cfg, Pool *pool, bool temp)
      : MemoryAllocator(0, nullptr), cfg_(cfg), pool_(pool), temp_(temp) {}
  ~FacadeAllocator() override { release_all(); }

  void *allocate(size_t size, size_t alignment = kDefaultAlignment) override;

  // The temp allocator is reset after every kernel and delegate call.
  void reset() override {
    release_all();
    used_ = 0;
  }

  size_t used() const { return used_; }
  size_t peak() const { return peak_; }
  size_t live_blocks() const {
    return cfg_.memory_policy == ET_MEMORY_STATIC ? (used_ > 0 ? 1 : 0) : blocks_.size();
  }
  size_t total_allocs() const { return total_allocs_; }
  size_t failed_bytes() const { return failed_bytes_; }
  bool failed() const { return failed_bytes_ > 0; }

 private:
  struct Block {
    void *ptr;
    size_t size;
  };

  void *pool_allocate(size_t size, size_t alignment);
  void release_all();

  et_method_config cfg_;
  Pool *pool_;
  bool temp_;
  std::vector<Block> blocks_;
  std::vector<Block> fallbacks_;
  size_t used_ = 0, peak_ = 0, total_allocs_ = 0, failed_bytes_ = 0;
};

// ------------------------------------------------ the program's flatbuffer (program_reader.cpp) ----

// The program's flatbuffer bytes (without the segments that follow it).
Result<FreeableBuffer> load_flatbuffer(DataLoader *loader);
// Checks the indexes ExecuTorch 1.5.1 trusts without checking (see KNOWN_ISSUES.md). Returns an
// empty string or what is wrong.
std::string check_program_indexes(const FreeableBuffer &buf);
// The program's data segments with absolute offsets and what each one holds.
std::vector<et_segment_info> read_segments(const FreeableBuffer &buf);
// Each method's operator table ("aten::add.out", in table order).
std::map<std::string, std::vector<std::string>> read_operator_tables(const FreeableBuffer &buf);
// names[chain][instruction] for one method, e.g. "aten::add.out" or
// "DELEGATE_CALL XnnpackBackend".
using InstructionNames = std::vector<std::vector<std::string>>;
InstructionNames read_instruction_names(DataLoader *loader, const char *method);

// ------------------------------------------------------------- profiling (profile.cpp) ----

// The tracer of a method loaded with profiling: records every operator and delegate call and
// feeds ETDumpGen. et_method keeps it as the runtime's EventTracer.
std::unique_ptr<EventTracer> make_profiler(DataLoader *loader, const char *method);

// --------------------------------------------------------------- kernels (kernels.cpp) ----

// ExecuTorch's kernel registry is a plain array without a lock: registrations hold this
// exclusive, method loads (which look kernels up) and registry reads hold it shared.
extern std::shared_mutex g_registry_mutex;

// ------------------------------------------------------------- programs (program.cpp) ----

// Copies `name` into buf (truncated, NUL-terminated) and reports its full length.
void copy_name(const char *name, char *buf, uint64_t buf_size, int64_t *out_length);
bool file_exists(const char *path);

}  // namespace et4j

// ------------------------------------------------------------------- handle structs ----

struct et_pool : et4j::Pool {};

struct et_program {
  std::unique_ptr<DataLoader> loader;
  std::optional<Program> program;
  std::vector<std::string> method_names;
  std::vector<et_segment_info> segments;
  std::map<std::string, std::vector<std::string>> operators;  // method -> its operator table
};

struct et_method {
  et_program *owner = nullptr;
  et_method_config config{};
  et4j::Pool scratch_pool;  // unused unless STATIC; keeps Pool* non-null
  et4j::Pool *pool = &scratch_pool;
  std::unique_ptr<et4j::FacadeAllocator> method_allocator;
  std::unique_ptr<et4j::FacadeAllocator> temp_allocator;
  std::vector<Span<uint8_t>> planned_spans;
  std::unique_ptr<HierarchicalAllocator> planned;
  std::unique_ptr<MemoryManager> memory_manager;
  std::unique_ptr<EventTracer> tracer;  // from make_profiler, when profiling
  executorch::runtime::BackendOptions<4> xnnpack_options;
  executorch::runtime::LoadBackendOptionsMap backend_options;
  std::optional<Method> method;
  size_t planned_bytes = 0;
  ~et_method() {
    method.reset();  // the Method before the memory it lives in
    temp_allocator.reset();
    method_allocator.reset();
    if (pool != &scratch_pool && --pool->users == 0) pool->low = pool->high = 0;
  }
  size_t num_inputs = 0, num_outputs = 0;
  bool dry_run = false;  // et_method_set_dry_run
};

namespace et4j {

// Validates the method name against the program so that an unknown name gets
// a message listing what the program has (program.cpp).
et_status find_method(const et_program *p, const char *method);

}  // namespace et4j
