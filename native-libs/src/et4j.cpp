// et4j.cpp - extern "C" facade over ExecuTorch's Program/Method for executorch4j.
// See include/et4j.h for the contract. Every entry point catches C++ exceptions
// and reports failures as a status plus a thread-local text.

#include "glibc_floor.h"  // first: binds glibc symbols to versions the wheel's floor has
#include "et4j.h"

#include <executorch/devtools/etdump/etdump_flatcc.h>
#include <executorch/extension/data_loader/file_data_loader.h>
#include <executorch/extension/data_loader/mmap_data_loader.h>
#include <executorch/extension/threadpool/threadpool_guard.h>
#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/backend/backend_options_map.h>
#include <executorch/runtime/backend/options.h>
#include <executorch/runtime/core/event_tracer.h>
#include <executorch/runtime/core/data_loader.h>
#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/hierarchical_allocator.h>
#include <executorch/runtime/core/memory_allocator.h>
#include <executorch/runtime/executor/memory_manager.h>
#include <executorch/runtime/executor/method.h>
#include <executorch/runtime/executor/method_meta.h>
#include <executorch/runtime/executor/program.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>
#include <executorch/runtime/platform/platform.h>
#include <executorch/runtime/platform/runtime.h>

#include <fcntl.h>
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <array>
#include <atomic>
#include <utility>
#include <chrono>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::aten::TensorImpl;
using executorch::runtime::DataLoader;
using executorch::runtime::Error;
using executorch::runtime::EValue;
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
using executorch::runtime::EventTracer;
using executorch::runtime::EventTracerEntry;
using executorch::runtime::ChainID;
using executorch::runtime::DebugHandle;
using executorch::runtime::DelegateDebugIntId;
using executorch::runtime::AllocatorID;
using executorch::runtime::LoggedEValueType;

// The wheel ships libexecutorch_threadpool.so but not threadpool.h. These two
// declarations match the symbols it exports (nm -DC): the supported way to
// size ExecuTorch's process-wide pool, which XNNPACK and the optimized kernels
// share. Only pointers are used; the class layout is never touched.
namespace executorch::extension::threadpool {
class ThreadPool {
 public:
  size_t get_thread_count() const;
  void _unsafe_reset_threadpool(uint32_t num_threads);
};
ThreadPool *get_threadpool();
}  // namespace executorch::extension::threadpool

namespace {

// ---------------------------------------------------------------- errors ----

// Bytes the facade holds on the heap for callers (allocator blocks, copied
// programs), process-wide: 0 again once every model is destroyed.
std::atomic<int64_t> g_live_bytes{0};

thread_local std::string t_last_error;
// Error lines the runtime logged during the current facade call on this thread;
// they name the missing operator, the unregistered backend, the bad offset.
thread_local std::string t_runtime_log;
// Set when a caller-registered kernel failed during the current execute on this thread: which
// operator, and why; the execute then reports ET_ERR_KERNEL_FAILED instead of Internal.
thread_local std::string t_kernel_failure;
bool g_echo_log = false;

void pal_log(et_timestamp_t, et_pal_log_level_t level, const char *, const char *, size_t,
             const char *message, size_t length) {
  if (g_echo_log) std::fprintf(stderr, "[executorch %c] %.*s\n", (char)level, (int)length, message);
  if (level != kError && level != kFatal) return;
  if (t_runtime_log.size() > 2048) return;
  if (!t_runtime_log.empty()) t_runtime_log += "; ";
  t_runtime_log.append(message, strnlen(message, length));
}

const char *error_name(int32_t code) {
  switch (code) {
    case 0x01: return "Internal";
    case 0x02: return "InvalidState";
    case 0x03: return "EndOfMethod";
    case 0x04: return "AlreadyLoaded";
    case 0x10: return "NotSupported";
    case 0x11: return "NotImplemented";
    case 0x12: return "InvalidArgument";
    case 0x13: return "InvalidType";
    case 0x14: return "OperatorMissing";
    case 0x20: return "NotFound";
    case 0x21: return "MemoryAllocationFailed";
    case 0x22: return "AccessFailed";
    case 0x23: return "InvalidProgram";
    case 0x24: return "InvalidExternalData";
    case 0x25: return "OutOfResources";
    case 0x30: return "DelegateInvalidCompatibility";
    case 0x31: return "DelegateMemoryAllocationFailed";
    case 0x32: return "DelegateInvalidHandle";
    default: return "Error";
  }
}

// Records the failure text for et_last_error() and returns the status.
et_status fail(et_status status, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  t_last_error = buf;
  if (!t_runtime_log.empty()) {
    t_last_error += " [runtime: ";
    t_last_error += t_runtime_log;
    t_last_error += "]";
  }
  return status;
}

et_status fail_runtime(Error e, const char *what) {
  auto code = static_cast<int32_t>(e);
  return fail(code, "%s: %s (0x%x)", what, error_name(code), code);
}

// An execute that failed: a caller kernel's failure is named as such, anything else is the runtime's.
et_status execution_failed(Error e, const char *what) {
  if (!t_kernel_failure.empty()) return fail(ET_ERR_KERNEL_FAILED, "%s: %s", what, t_kernel_failure.c_str());
  return fail_runtime(e, what);
}

// Clears per-call state; every entry point opens one.
struct CallScope {
  CallScope() {
    t_last_error.clear();
    t_runtime_log.clear();
  }
};

#define ET4J_GUARD_BEGIN \
  CallScope scope_;      \
  try {
#define ET4J_GUARD_END                                                   \
  }                                                                      \
  catch (const std::bad_alloc &) {                                       \
    return fail(0x21, "out of memory in %s", __func__);                  \
  }                                                                      \
  catch (const std::exception &ex) {                                     \
    return fail(ET_ERR_INTERNAL, "C++ exception in %s: %s", __func__, ex.what()); \
  }                                                                      \
  catch (...) {                                                          \
    return fail(ET_ERR_INTERNAL, "unknown C++ exception in %s", __func__); \
  }

#define ET4J_REQUIRE(cond, ...) \
  do {                          \
    if (!(cond)) return fail(0x12, __VA_ARGS__); \
  } while (0)

// ---------------------------------------------------------------- loaders ---

// Copies a caller buffer so the caller may free theirs immediately.
class OwnedBufferLoader final : public DataLoader {
 public:
  OwnedBufferLoader(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) { g_live_bytes += bytes_.size(); }
  ~OwnedBufferLoader() override { g_live_bytes -= bytes_.size(); }
  Result<FreeableBuffer> load(size_t offset, size_t size, const SegmentInfo &) const override {
    if (offset > bytes_.size() || size > bytes_.size() - offset) return Error::InvalidArgument;
    return FreeableBuffer(bytes_.data() + offset, size, nullptr);
  }
  Error load_into(size_t offset, size_t size, const SegmentInfo &, void *buffer) const override {
    if (buffer == nullptr) return Error::InvalidArgument;
    if (offset > bytes_.size() || size > bytes_.size() - offset) return Error::InvalidArgument;
    std::memcpy(buffer, bytes_.data() + offset, size);
    return Error::Ok;
  }
  Result<size_t> size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads each segment on demand through a caller callback (streaming).
// Streams through the caller's read callback. The head of the file (extended header plus the
// program flatbuffer) is read once and kept: Program::load, the facade's index checks and the
// profiler's operator names all parse it, and none of them re-reads the source. Segments
// (constants, delegate blobs) are read on demand, each once, straight into their own buffers.
class CallbackLoader final : public DataLoader {
 public:
  CallbackLoader(et_read_fn read, void *userdata, uint64_t total)
      : read_(read), userdata_(userdata), total_(total) {}
  ~CallbackLoader() override { g_live_bytes -= head_.size(); }
  Result<FreeableBuffer> load(size_t offset, size_t size, const SegmentInfo &info) const override {
    if (offset > total_ || size > total_ - offset) return Error::InvalidArgument;
    Error err = ensure_head();
    if (err != Error::Ok) return err;
    if (offset + size <= head_.size()) {
      // The head never changes once read and outlives every Program that points into it.
      return FreeableBuffer(head_.data() + offset, size, static_cast<FreeableBuffer::FreeFn>(nullptr));
    }
    void *buf = std::malloc(size == 0 ? 1 : size);
    if (buf == nullptr) return Error::MemoryAllocationFailed;
    err = read_range(offset, size, buf);
    if (err != Error::Ok) {
      std::free(buf);
      return err;
    }
    return FreeableBuffer(buf, size, [](void *, void *data, size_t) { std::free(data); });
  }
  Error load_into(size_t offset, size_t size, const SegmentInfo &, void *buffer) const override {
    if (buffer == nullptr) return Error::InvalidArgument;
    if (offset > total_ || size > total_ - offset) return Error::InvalidArgument;
    if (size == 0) return Error::Ok;
    Error err = ensure_head();
    if (err != Error::Ok) return err;
    if (offset + size <= head_.size()) {
      std::memcpy(buffer, head_.data() + offset, size);
      return Error::Ok;
    }
    return read_range(offset, size, buffer);
  }
  Result<size_t> size() const override { return total_; }

 private:
  static constexpr size_t kHeadProbe = 64;  // covers the "eh00" extended header

  Error read_range(size_t offset, size_t size, void *dst) const {
    int64_t got = read_(userdata_, offset, dst, size);
    if (got != static_cast<int64_t>(size)) {
      ET_LOG(Error, "read callback returned %lld for %zu bytes at offset %zu", (long long)got,
             size, offset);
      return Error::AccessFailed;
    }
    return Error::Ok;
  }

  // Reads [0, 64) and then the rest of the flatbuffer [64, program_size): no byte twice.
  Error ensure_head() const {
    std::lock_guard<std::mutex> lock(head_lock_);
    if (head_read_) return Error::Ok;
    size_t probe = total_ < kHeadProbe ? static_cast<size_t>(total_) : kHeadProbe;
    std::vector<uint8_t> head(probe);
    if (probe > 0) {
      Error err = read_range(0, probe, head.data());
      if (err != Error::Ok) return err;
    }
    size_t program_size = probe;
    if (probe >= 24 && std::memcmp(head.data() + 8, "eh00", 4) == 0) {
      uint64_t declared = 0;
      std::memcpy(&declared, head.data() + 16, 8);
      if (declared > probe && declared <= total_) program_size = static_cast<size_t>(declared);
    }
    if (program_size > probe) {
      head.resize(program_size);
      Error err = read_range(probe, program_size - probe, head.data() + probe);
      if (err != Error::Ok) return err;
    }
    head_ = std::move(head);
    g_live_bytes += head_.size();
    head_read_ = true;
    return Error::Ok;
  }

  et_read_fn read_;
  void *userdata_;
  uint64_t total_;
  mutable std::mutex head_lock_;
  mutable bool head_read_ = false;
  mutable std::vector<uint8_t> head_;
};

// ------------------------------------------------------------- allocators ---


size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
bool is_pow2(size_t a) { return a != 0 && (a & (a - 1)) == 0; }

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

  void *allocate(size_t size, size_t alignment = kDefaultAlignment) override {
    // size + alignment below must not wrap (a corrupt program can ask for anything).
    if (!is_pow2(alignment) || size > SIZE_MAX / 2 - alignment) {
      failed_bytes_ += 1;
      return nullptr;
    }
    void *p = nullptr;
    switch (cfg_.memory_policy) {
      case ET_MEMORY_STATIC: p = pool_allocate(size, alignment); break;
      case ET_MEMORY_CUSTOM: {
        p = cfg_.alloc ? cfg_.alloc(cfg_.alloc_userdata, size, alignment) : nullptr;
        if (p != nullptr && (reinterpret_cast<uintptr_t>(p) & (alignment - 1)) != 0) {
          // A misaligned block would corrupt kernels: give it back and fail.
          if (cfg_.free) cfg_.free(cfg_.alloc_userdata, p, size);
          ET_LOG(Error, "custom allocator returned a block not aligned to %zu", alignment);
          p = nullptr;
        }
        if (p != nullptr) {
          blocks_.push_back({p, size});
          g_live_bytes += size;
        }
        break;
      }
      default: {
        void *raw = std::malloc(size + alignment);
        if (raw != nullptr) {
          blocks_.push_back({raw, size + alignment});
          g_live_bytes += size + alignment;
          p = reinterpret_cast<void *>(align_up(reinterpret_cast<uintptr_t>(raw), alignment));
        }
      }
    }
    if (p == nullptr) {
      failed_bytes_ += size;
      if (temp_) return nullptr;  // kernels check temp allocations
      // ExecuTorch 1.5.1 does not check every method-allocator result while
      // parsing a program (a NULL list is written to in Method::parse_values),
      // so the runtime must never see NULL here. Lend malloc'd memory, remember
      // the failure, and et_method_load discards the method afterwards.
      void *raw = std::malloc(size + alignment);
      if (raw == nullptr) return nullptr;
      fallbacks_.push_back({raw, size + alignment});
      g_live_bytes += size + alignment;
      p = reinterpret_cast<void *>(align_up(reinterpret_cast<uintptr_t>(raw), alignment));
    }
    used_ += size;
    total_allocs_++;
    if (used_ > peak_) peak_ = used_;
    return p;
  }

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

  void *pool_allocate(size_t size, size_t alignment) {
    Pool &pl = *pool_;
    if (!temp_) {
      size_t start = align_up(reinterpret_cast<uintptr_t>(pl.base) + pl.low, alignment) -
                     reinterpret_cast<uintptr_t>(pl.base);
      if (start > pl.size || size > pl.size - start || start + size > pl.size - pl.high) return nullptr;
      pl.low = start + size;
      pl.note();
      return pl.base + start;
    }
    size_t top = pl.size - pl.high;  // first byte above the free area
    if (size > top) return nullptr;
    uintptr_t addr = (reinterpret_cast<uintptr_t>(pl.base) + top - size) & ~(uintptr_t)(alignment - 1);
    if (addr < reinterpret_cast<uintptr_t>(pl.base) + pl.low) return nullptr;
    pl.high = pl.size - (addr - reinterpret_cast<uintptr_t>(pl.base));
    pl.note();
    return reinterpret_cast<void *>(addr);
  }

  void release_all() {
    switch (cfg_.memory_policy) {
      case ET_MEMORY_STATIC:
        if (temp_) pool_->high = 0;  // method memory is released with the pool itself
        break;
      case ET_MEMORY_CUSTOM:
        for (auto &b : blocks_) {
          if (cfg_.free) cfg_.free(cfg_.alloc_userdata, b.ptr, b.size);
          g_live_bytes -= b.size;
        }
        break;
      default:
        for (auto &b : blocks_) {
          std::free(b.ptr);
          g_live_bytes -= b.size;
        }
    }
    blocks_.clear();
    for (auto &f : fallbacks_) {
      std::free(f.ptr);
      g_live_bytes -= f.size;
    }
    fallbacks_.clear();
  }

  et_method_config cfg_;
  Pool *pool_;
  bool temp_;
  std::vector<Block> blocks_;
  std::vector<Block> fallbacks_;
  size_t used_ = 0, peak_ = 0, total_allocs_ = 0, failed_bytes_ = 0;
};

std::once_flag g_init_once;

void init_runtime() {
  const char *echo = std::getenv("EXECUTORCH4J_LOG");
  g_echo_log = echo != nullptr && echo[0] != '\0' && echo[0] != '0';
  executorch::runtime::register_pal(
      executorch::runtime::PalImpl::create(pal_log, __FILE__));
  executorch::runtime::runtime_init();
}

void copy_name(const char *name, char *buf, uint64_t buf_size, int64_t *out_length) {
  size_t n = std::strlen(name);
  if (buf != nullptr && buf_size > 0) {
    size_t k = n < buf_size - 1 ? n : buf_size - 1;
    std::memcpy(buf, name, k);
    buf[k] = '\0';
  }
  if (out_length) *out_length = static_cast<int64_t>(n);
}

// Collects the word after each `marker` in the runtime log (after skipping to
// `skip_to`, if given): the operator or backend names the runtime reported.
std::string names_after(const std::string &log, const char *marker, const char *skip_to) {
  std::string names;
  for (size_t pos = log.find(marker); pos != std::string::npos; pos = log.find(marker, pos + 1)) {
    size_t start = pos + std::strlen(marker);
    if (*skip_to) {
      start = log.find(skip_to, start);
      if (start == std::string::npos) break;
      start += std::strlen(skip_to);
    }
    while (start < log.size() && log[start] == ' ') start++;
    size_t end = log.find_first_of(" ;", start);
    std::string name = log.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!name.empty() && names.find(name) == std::string::npos) names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

bool file_exists(const char *path) {
#if defined(__linux__)
  // statx is in glibc 2.28; stat() is versioned 2.33 (see glibc_floor.h).
  struct statx st;
  return ::statx(AT_FDCWD, path, 0, STATX_TYPE, &st) == 0 && S_ISREG(st.stx_mode);
#else
  struct stat st;
  return ::stat(path, &st) == 0 && S_ISREG(st.st_mode);
#endif
}

// ------------------------------------------------------- operator names ----

// A bounds-checked reader for the few flatbuffer tables the profiler needs
// (schema/program.fbs: Program.execution_plan[].{name, chains[].instructions,
// operators, delegates}). The runtime reports kernels only by chain and
// instruction index; this maps those to "aten::convolution.out".
class FlatReader {
 public:
  FlatReader(const uint8_t *data, size_t size) : d_(data), n_(size) {}
  bool ok(size_t off, size_t len) const { return off <= n_ && len <= n_ - off; }
  uint32_t u32(size_t off) const {
    uint32_t v = 0;
    if (ok(off, 4)) std::memcpy(&v, d_ + off, 4);
    return v;
  }
  int32_t i32(size_t off) const { return static_cast<int32_t>(u32(off)); }
  uint16_t u16(size_t off) const {
    uint16_t v = 0;
    if (ok(off, 2)) std::memcpy(&v, d_ + off, 2);
    return v;
  }
  uint8_t u8(size_t off) const { return ok(off, 1) ? d_[off] : 0; }
  size_t root() const { return u32(0); }
  // Scalar fields equal to their default are not stored: absent means 0.
  int32_t field_i32(size_t table, int id) const {
    size_t f = field(table, id);
    return f == 0 ? 0 : i32(f);
  }
  uint64_t field_u64(size_t table, int id) const {
    size_t f = field(table, id);
    uint64_t v = 0;
    if (f != 0 && ok(f, 8)) std::memcpy(&v, d_ + f, 8);
    return v;
  }
  uint8_t field_u8(size_t table, int id) const {
    size_t f = field(table, id);
    return f == 0 ? 0 : u8(f);
  }
  // Absolute offset of field `id` of the table at `table`, or 0 when absent.
  size_t field(size_t table, int id) const {
    if (table == 0 || !ok(table, 4)) return 0;
    int64_t vt = static_cast<int64_t>(table) - i32(table);
    if (vt < 0 || !ok(static_cast<size_t>(vt), 4)) return 0;
    uint16_t vt_size = u16(vt);
    size_t entry = 4 + 2 * static_cast<size_t>(id);
    if (entry + 2 > vt_size) return 0;
    uint16_t off = u16(vt + entry);
    return off == 0 ? 0 : table + off;
  }
  // Follows the offset stored at `at` (tables, vectors, strings).
  size_t deref(size_t at) const {
    if (at == 0 || !ok(at, 4)) return 0;
    size_t target = at + u32(at);
    return ok(target, 4) ? target : 0;
  }
  size_t table_at(size_t table, int id) const { return deref(field(table, id)); }
  // Vector of offsets: (first element position, length).
  std::pair<size_t, uint32_t> vec(size_t table, int id) const {
    size_t v = table_at(table, id);
    if (v == 0) return {0, 0};
    uint32_t len = u32(v);
    if (!ok(v + 4, static_cast<size_t>(len) * 4)) return {0, 0};
    return {v + 4, len};
  }
  size_t vec_table(std::pair<size_t, uint32_t> v, uint32_t i) const {
    return i < v.second ? deref(v.first + 4 * static_cast<size_t>(i)) : 0;
  }
  std::string str(size_t table, int id) const {
    size_t s = table_at(table, id);
    if (s == 0) return "";
    uint32_t len = u32(s);
    if (!ok(s + 4, len)) return "";
    return std::string(reinterpret_cast<const char *>(d_ + s + 4), len);
  }

 private:
  const uint8_t *d_;
  size_t n_;
};

// names[chain][instruction] for one method, e.g. "aten::add.out" or
// "DELEGATE_CALL XnnpackBackend".
using InstructionNames = std::vector<std::vector<std::string>>;

// The program's flatbuffer bytes (without the segments that follow it).
Result<FreeableBuffer> load_flatbuffer(DataLoader *loader) {
  using SegmentInfo = DataLoader::SegmentInfo;
  auto total = loader->size();
  if (!total.ok()) return total.error();
  if (total.get() < 32) return Error::InvalidProgram;
  size_t size = total.get();
  // The extended header "eh00" at offset 8 gives the flatbuffer's own size.
  auto head = loader->load(0, 32, SegmentInfo(SegmentInfo::Type::Program));
  if (!head.ok()) return head.error();
  const auto *h = static_cast<const uint8_t *>(head->data());
  if (std::memcmp(h + 8, "eh00", 4) == 0) {
    uint64_t program_size = 0;
    std::memcpy(&program_size, h + 16, 8);
    if (program_size > 0 && program_size <= size) size = program_size;
  }
  return loader->load(0, size, SegmentInfo(SegmentInfo::Type::Program));
}

// Checks the indexes ExecuTorch 1.5.1 trusts without checking (see KNOWN_ISSUES.md): every
// value index of method inputs/outputs, chains and instructions below the method's value count,
// every operator and delegate index in range, every operator named, every jump inside its
// chain, every tensor-list item a value. Returns an empty string or what is wrong.
std::string check_program_indexes(const FreeableBuffer &buf) {
  FlatReader fb(static_cast<const uint8_t *>(buf.data()), buf.size());
  size_t program = fb.root();
  auto plans = fb.vec(program, 1);
  char why[256];
  auto ints_below = [&](size_t table, int id, int64_t limit, int64_t lowest, const char *what) -> bool {
    auto v = fb.vec(table, id);
    for (uint32_t i = 0; i < v.second; i++) {
      int32_t x = fb.i32(v.first + 4 * static_cast<size_t>(i));
      if (x < lowest || x >= limit) {
        std::snprintf(why, sizeof why, "%s %d out of range [%lld, %lld)", what, x, (long long)lowest, (long long)limit);
        return false;
      }
    }
    return true;
  };
  for (uint32_t p = 0; p < plans.second; p++) {
    size_t plan = fb.vec_table(plans, p);
    std::string method = fb.str(plan, 0);
    auto values = fb.vec(plan, 2);
    int64_t nv = values.second;
    auto ops = fb.vec(plan, 6);
    auto delegates = fb.vec(plan, 7);
    if (!ints_below(plan, 3, nv, 0, "method input value") || !ints_below(plan, 4, nv, 0, "method output value"))
      return "method '" + method + "': " + why;
    for (uint32_t o = 0; o < ops.second; o++)
      if (fb.str(fb.vec_table(ops, o), 0).empty())
        return "method '" + method + "': operator " + std::to_string(o) + " has no name";
    // MethodMeta::get_backend_name reads BackendDelegate.id without a null check (fuzzing:
    // SIGSEGV at load, reading the metadata).
    for (uint32_t d = 0; d < delegates.second; d++)
      if (fb.str(fb.vec_table(delegates, d), 0).empty())
        return "method '" + method + "': delegate " + std::to_string(d) + " names no backend";
    for (uint32_t v = 0; v < values.second; v++) {
      size_t ev = fb.vec_table(values, v);
      uint8_t type = fb.field_u8(ev, 0);
      if ((type == 10 || type == 11) && !ints_below(fb.table_at(ev, 1), 0, nv, type == 11 ? -1 : 0, "tensor list item"))
        return "method '" + method + "': " + why;
    }
    auto chains = fb.vec(plan, 5);
    for (uint32_t c = 0; c < chains.second; c++) {
      size_t chain = fb.vec_table(chains, c);
      if (!ints_below(chain, 0, nv, 0, "chain input value") || !ints_below(chain, 1, nv, 0, "chain output value"))
        return "method '" + method + "': " + why;
      auto instrs = fb.vec(chain, 2);
      for (uint32_t i = 0; i < instrs.second; i++) {
        size_t instr = fb.vec_table(instrs, i);
        uint8_t type = fb.field_u8(instr, 0);
        size_t args = fb.table_at(instr, 1);
        bool ok = true;
        switch (type) {
          case 1:  // KernelCall: op_index, args
          case 2: {  // DelegateCall: delegate_index, args
            int32_t index = fb.field_i32(args, 0);
            int64_t limit = type == 1 ? ops.second : delegates.second;
            if (index < 0 || index >= limit) {
              std::snprintf(why, sizeof why, "%s index %d out of range [0, %lld)", type == 1 ? "operator" : "delegate",
                            index, (long long)limit);
              ok = false;
            } else {
              ok = ints_below(args, 1, nv, 0, "argument value");
            }
            break;
          }
          case 3:  // MoveCall: move_from, move_to
            for (int f = 0; f < 2 && ok; f++) {
              int32_t x = fb.field_i32(args, f);
              if (x < 0 || x >= nv) {
                std::snprintf(why, sizeof why, "move value %d out of range [0, %lld)", x, (long long)nv);
                ok = false;
              }
            }
            break;
          case 4: {  // JumpFalseCall: cond_value_index, destination_instruction
            int32_t cond = fb.field_i32(args, 0), dest = fb.field_i32(args, 1);
            if (cond < 0 || cond >= nv || dest < 0 || dest > (int64_t)instrs.second) {
              std::snprintf(why, sizeof why, "jump (value %d, destination %d) out of range", cond, dest);
              ok = false;
            }
            break;
          }
          case 5: {  // FreeCall: value_index
            int32_t x = fb.field_i32(args, 0);
            if (x < 0 || x >= nv) {
              std::snprintf(why, sizeof why, "freed value %d out of range [0, %lld)", x, (long long)nv);
              ok = false;
            }
            break;
          }
          default:
            std::snprintf(why, sizeof why, "unknown instruction type %u", type);
            ok = false;
        }
        if (!ok)
          return "method '" + method + "', chain " + std::to_string(c) + ", instruction " + std::to_string(i) + ": " + why;
      }
    }
  }
  return "";
}

// The program's data segments with absolute offsets: the extended header gives the base, the
// flatbuffer the list; the constant segment and delegate references say what each one holds.
std::vector<et_segment_info> read_segments(const FreeableBuffer &buf) {
  std::vector<et_segment_info> out;
  const auto *h = static_cast<const uint8_t *>(buf.data());
  uint64_t base = 0;
  if (buf.size() >= 32 && std::memcmp(h + 8, "eh00", 4) == 0) std::memcpy(&base, h + 24, 8);
  FlatReader fb(h, buf.size());
  size_t program = fb.root();
  auto segs = fb.vec(program, 4);
  for (uint32_t i = 0; i < segs.second; i++) {
    size_t seg = fb.vec_table(segs, i);
    et_segment_info info{};
    info.offset = base + fb.field_u64(seg, 0);
    info.size = fb.field_u64(seg, 1);
    out.push_back(info);
  }
  size_t constants = fb.table_at(program, 5);
  if (constants != 0) {
    uint32_t index = static_cast<uint32_t>(fb.field_i32(constants, 0));
    if (index < out.size()) out[index].kind = ET_SEGMENT_CONSTANTS;
  }
  auto plans = fb.vec(program, 1);
  for (uint32_t p = 0; p < plans.second; p++) {
    auto delegates = fb.vec(fb.vec_table(plans, p), 7);
    for (uint32_t d = 0; d < delegates.second; d++) {
      size_t delegate = fb.vec_table(delegates, d);
      size_t processed = fb.table_at(delegate, 1);
      if (processed == 0 || fb.field_u8(processed, 0) != 1 /* SEGMENT */) continue;
      uint32_t index = static_cast<uint32_t>(fb.field_i32(processed, 1));
      if (index >= out.size()) continue;
      out[index].kind = ET_SEGMENT_DELEGATE;
      std::snprintf(out[index].name, sizeof out[index].name, "%s", fb.str(delegate, 0).c_str());
    }
  }
  auto named = fb.vec(program, 7);
  for (uint32_t i = 0; i < named.second; i++) {
    size_t entry = fb.vec_table(named, i);
    uint32_t index = static_cast<uint32_t>(fb.field_i32(entry, 1));
    if (index >= out.size() || out[index].kind != ET_SEGMENT_OTHER) continue;
    out[index].kind = ET_SEGMENT_NAMED_DATA;
    std::snprintf(out[index].name, sizeof out[index].name, "%s", fb.str(entry, 0).c_str());
  }
  return out;
}

// Each method's operator table ("aten::add.out", in table order), read from the flatbuffer so
// that a method whose kernels are missing can still say what it needs without loading.
std::map<std::string, std::vector<std::string>> read_operator_tables(const FreeableBuffer &buf) {
  std::map<std::string, std::vector<std::string>> out;
  FlatReader fb(static_cast<const uint8_t *>(buf.data()), buf.size());
  auto plans = fb.vec(fb.root(), 1);
  for (uint32_t p = 0; p < plans.second; p++) {
    size_t plan = fb.vec_table(plans, p);
    auto ops = fb.vec(plan, 6);
    std::vector<std::string> names;
    for (uint32_t o = 0; o < ops.second; o++) {
      size_t op = fb.vec_table(ops, o);
      std::string overload = fb.str(op, 1);
      names.push_back(fb.str(op, 0) + (overload.empty() ? "" : "." + overload));
    }
    out[fb.str(plan, 0)] = std::move(names);
  }
  return out;
}

InstructionNames read_instruction_names(DataLoader *loader, const char *method) {
  InstructionNames names;
  auto buf = load_flatbuffer(loader);
  if (!buf.ok()) return names;
  FlatReader fb(static_cast<const uint8_t *>(buf->data()), buf->size());
  size_t program = fb.root();
  auto plans = fb.vec(program, 1);
  for (uint32_t p = 0; p < plans.second; p++) {
    size_t plan = fb.vec_table(plans, p);
    if (fb.str(plan, 0) != method) continue;
    auto chains = fb.vec(plan, 5);
    auto ops = fb.vec(plan, 6);
    auto delegates = fb.vec(plan, 7);
    for (uint32_t c = 0; c < chains.second && c < 1024; c++) {
      std::vector<std::string> chain_names;
      auto instrs = fb.vec(fb.vec_table(chains, c), 2);
      for (uint32_t i = 0; i < instrs.second && i < (1u << 20); i++) {
        size_t instr = fb.vec_table(instrs, i);
        uint8_t type = fb.field_u8(instr, 0);
        size_t args = fb.table_at(instr, 1);
        std::string name;
        if (type == 1) {  // KernelCall
          int32_t op = fb.field_i32(args, 0);
          size_t optab = op >= 0 ? fb.vec_table(ops, static_cast<uint32_t>(op)) : 0;
          std::string overload = fb.str(optab, 1);
          name = fb.str(optab, 0) + (overload.empty() ? "" : "." + overload);
        } else if (type == 2) {  // DelegateCall
          int32_t di = fb.field_i32(args, 0);
          size_t del = di >= 0 ? fb.vec_table(delegates, static_cast<uint32_t>(di)) : 0;
          name = "DELEGATE_CALL " + fb.str(del, 0);
        } else {
          static const char *kinds[] = {"", "", "", "MOVE", "JUMP_FALSE", "FREE"};
          name = type < 6 ? kinds[type] : "INSTRUCTION";
        }
        chain_names.push_back(name.empty() ? "INSTRUCTION" : name);
      }
      names.push_back(std::move(chain_names));
    }
    break;
  }
  return names;
}

// ---------------------------------------------------------------- tracer ----

int64_t ticks_to_ns(et_timestamp_t ticks) {
  static const et_tick_ratio_t ratio = et_pal_ticks_to_ns_multiplier();
  return static_cast<int64_t>(ticks * ratio.numerator / ratio.denominator);
}

// Records every operator and delegate call of an execute (names resolved from
// the program) and forwards everything to ETDumpGen for ExecuTorch devtools.
class FacadeTracer final : public EventTracer {
 public:
  explicit FacadeTracer(InstructionNames names) : names_(std::move(names)) { events_.reserve(256); }

  const std::vector<et_profile_event> &events() const { return events_; }
  executorch::etdump::ETDumpGen &etdump() { return etdump_; }

  void create_event_block(const char *name) override {
    events_.clear();
    name_stack_.clear();
    delegate_stack_.clear();
    block_start_ = et_pal_current_ticks();
    etdump_.create_event_block(name);
  }
  EventTracerEntry start_profiling(const char *name, ChainID chain_id, DebugHandle debug_handle) override {
    // The runtime sets the current chain and instruction on this tracer
    // (set_chain_debug_handle is not virtual) and calls with the defaults.
    if (chain_id == executorch::runtime::kUnsetChainId) {
      chain_id = chain_id_;
      debug_handle = debug_handle_;
    }
    etdump_.set_chain_debug_handle(chain_id, debug_handle);
    EventTracerEntry e = etdump_.start_profiling(name, chain_id, debug_handle);
    e.chain_id = chain_id;
    e.debug_handle = debug_handle;
    e.start_time = et_pal_current_ticks();
    name_stack_.push_back(name);
    return e;
  }
  void end_profiling(EventTracerEntry entry) override {
    et_timestamp_t end = et_pal_current_ticks();
    etdump_.end_profiling(entry);
    std::string name;
    if (!name_stack_.empty()) {
      name = name_stack_.back() ? name_stack_.back() : "";
      name_stack_.pop_back();
    }
    int32_t kind = 3;
    if (name == "OPERATOR_CALL" || name == "DELEGATE_CALL") {
      kind = name == "OPERATOR_CALL" ? 0 : 1;
      name = resolve(entry.chain_id, entry.debug_handle, name);
    }
    record(name.c_str(), kind, entry.chain_id, entry.debug_handle, entry.start_time, end);
  }
  EventTracerEntry start_profiling_delegate(const char *name, DelegateDebugIntId index) override {
    EventTracerEntry e = etdump_.start_profiling_delegate(name, index);
    e.start_time = et_pal_current_ticks();
    delegate_stack_.push_back(name ? name : "delegate op");
    return e;
  }
  void end_profiling_delegate(EventTracerEntry entry, const void *metadata, size_t len) override {
    et_timestamp_t end = et_pal_current_ticks();
    etdump_.end_profiling_delegate(entry, metadata, len);
    std::string name = delegate_stack_.empty() ? "delegate op" : delegate_stack_.back();
    if (!delegate_stack_.empty()) delegate_stack_.pop_back();
    record(name.c_str(), 2, -1, entry.event_id, entry.start_time, end);
  }
  void log_profiling_delegate(const char *name, DelegateDebugIntId index, et_timestamp_t start,
                              et_timestamp_t end, const void *metadata, size_t len) override {
    etdump_.log_profiling_delegate(name, index, start, end, metadata, len);
    record(name ? name : "delegate op", 2, -1, index, start, end);
  }
  void track_allocation(AllocatorID id, size_t size) override { etdump_.track_allocation(id, size); }
  AllocatorID track_allocator(const char *name) override { return etdump_.track_allocator(name); }
  Result<bool> log_evalue(const EValue &, LoggedEValueType) override { return false; }
  Result<bool> log_intermediate_output_delegate(const char *, DelegateDebugIntId, const Tensor &) override {
    return false;
  }
  Result<bool> log_intermediate_output_delegate(const char *, DelegateDebugIntId,
                                                const executorch::runtime::ArrayRef<Tensor>) override {
    return false;
  }
  Result<bool> log_intermediate_output_delegate(const char *, DelegateDebugIntId, const int &) override {
    return false;
  }
  Result<bool> log_intermediate_output_delegate(const char *, DelegateDebugIntId, const bool &) override {
    return false;
  }
  Result<bool> log_intermediate_output_delegate(const char *, DelegateDebugIntId, const double &) override {
    return false;
  }
  void set_delegation_intermediate_output_filter(executorch::runtime::EventTracerFilterBase *) override {}

 private:
  std::string resolve(ChainID chain, DebugHandle instr, const std::string &fallback) const {
    if (chain >= 0 && static_cast<size_t>(chain) < names_.size() && instr < names_[chain].size())
      return names_[chain][instr];
    return fallback + " #" + std::to_string(instr);
  }
  void record(const char *name, int32_t kind, int32_t chain, int64_t instr, et_timestamp_t start,
              et_timestamp_t end) {
    if (events_.size() >= 100000) return;  // a runaway loop must not eat memory
    et_profile_event ev{};
    std::snprintf(ev.name, sizeof ev.name, "%s", name);
    ev.kind = kind;
    ev.chain = chain;
    ev.instruction = instr;
    ev.start_ns = ticks_to_ns(start) - ticks_to_ns(block_start_);
    ev.duration_ns = end >= start ? ticks_to_ns(end) - ticks_to_ns(start) : 0;
    events_.push_back(ev);
  }

  InstructionNames names_;
  std::vector<et_profile_event> events_;
  et_timestamp_t block_start_ = 0;
  std::vector<const char *> name_stack_;
  std::vector<std::string> delegate_stack_;
  executorch::etdump::ETDumpGen etdump_;
};

// Resizing the shared pool while a method runs on it is unsafe: executes hold
// this shared, a resize holds it exclusive.
std::shared_mutex g_pool_mutex;

// ExecuTorch's kernel registry is a plain array without a lock: registrations hold this
// exclusive, method loads (which look kernels up) and registry reads hold it shared.
std::shared_mutex g_registry_mutex;

void apply_thread_count(int32_t threads) {
  if (threads <= 1) return;
  auto *pool = executorch::extension::threadpool::get_threadpool();
  if (pool == nullptr || pool->get_thread_count() == static_cast<size_t>(threads)) return;
  std::unique_lock<std::shared_mutex> lock(g_pool_mutex);
  pool->_unsafe_reset_threadpool(static_cast<uint32_t>(threads));
}

}  // namespace

// ------------------------------------------------------------ structures ----

struct et_pool : Pool {};

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
  Pool scratch_pool;  // unused unless STATIC; keeps Pool* non-null
  Pool *pool = &scratch_pool;
  std::unique_ptr<FacadeAllocator> method_allocator;
  std::unique_ptr<FacadeAllocator> temp_allocator;
  std::vector<Span<uint8_t>> planned_spans;
  std::unique_ptr<HierarchicalAllocator> planned;
  std::unique_ptr<MemoryManager> memory_manager;
  std::unique_ptr<FacadeTracer> tracer;
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

namespace {

// Validates the method name against the program so that an unknown name gets
// a message listing what the program has.
et_status find_method(const et_program *p, const char *method) {
  if (method == nullptr) return fail(0x12, "method name is NULL");
  for (auto &n : p->method_names)
    if (n == method) return ET_OK;
  std::string all;
  for (auto &n : p->method_names) all += (all.empty() ? "" : ", ") + n;
  return fail(0x20, "no method named '%s' in this program (methods: %s)", method, all.c_str());
}

et_status finish_program_load(std::unique_ptr<DataLoader> loader, int32_t verification,
                              et_program **out_program) {
  auto verify = verification == ET_VERIFY_MINIMAL ? Program::Verification::Minimal
                                                  : Program::Verification::InternalConsistency;
  auto p = std::make_unique<et_program>();
  p->loader = std::move(loader);
  Result<Program> r = Program::load(p->loader.get(), verify);
  if (!r.ok()) {
    // A loader refusing to read past the end means the data is cut short.
    Error e = r.error() == Error::InvalidArgument ? Error::InvalidProgram : r.error();
    auto size = p->loader->size();
    return fail(static_cast<int32_t>(e), "not a valid ExecuTorch program (%zu bytes): truncated or corrupt",
                size.ok() ? size.get() : (size_t)0);
  }
  p->program.emplace(std::move(r.get()));
  // One view of the flatbuffer for the facade's own reading (an mmap or a cached copy).
  auto flatbuffer = load_flatbuffer(p->loader.get());
  if (!flatbuffer.ok()) return fail_runtime(flatbuffer.error(), "cannot read the program flatbuffer");
  if (verification != ET_VERIFY_MINIMAL) {
    std::string bad = check_program_indexes(flatbuffer.get());
    if (!bad.empty()) return fail(0x23, "not a valid ExecuTorch program: %s", bad.c_str());
  }
  size_t n = p->program->num_methods();
  for (size_t i = 0; i < n; i++) {
    Result<const char *> name = p->program->get_method_name(i);
    if (!name.ok()) return fail_runtime(name.error(), "cannot read method name");
    p->method_names.emplace_back(name.get());
  }
  p->segments = read_segments(flatbuffer.get());
  p->operators = read_operator_tables(flatbuffer.get());
  *out_program = p.release();
  return ET_OK;
}

void fill_tensor_info(const TensorInfo &ti, et_tensor_info *out) {
  out->kind = 1;
  out->dtype = static_cast<int32_t>(ti.scalar_type());
  auto sizes = ti.sizes();
  auto order = ti.dim_order();
  out->rank = static_cast<int32_t>(sizes.size() < ET_MAX_RANK ? sizes.size() : ET_MAX_RANK);
  for (int32_t i = 0; i < out->rank; i++) out->sizes[i] = sizes[i] < 0 ? 0 : sizes[i];
  for (size_t i = 0; i < order.size() && i < ET_MAX_RANK; i++) out->dim_order[i] = order[i];
  out->memory_planned = ti.is_memory_planned() ? 1 : 0;
  out->nbytes = static_cast<int64_t>(ti.nbytes());
}


}  // namespace

namespace {
et_status warm_up(et_method *m, int32_t runs);
}  // namespace

// ------------------------------------------------------------------- API ----

extern "C" {

et_status et_pool_create(void *memory, uint64_t size, et_pool **out_pool) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(memory != nullptr && out_pool != nullptr, "memory and out_pool must not be NULL");
  ET4J_REQUIRE(size >= kPoolGranule, "a pool needs at least %zu bytes, got %llu", kPoolGranule,
               (unsigned long long)size);
  auto p = std::make_unique<et_pool>();
  p->base = static_cast<uint8_t *>(memory);
  p->size = static_cast<size_t>(size) / kPoolGranule * kPoolGranule;
  *out_pool = p.release();
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_pool_stats(const et_pool *pool, int64_t *out_size, int64_t *out_used, int64_t *out_peak) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(pool != nullptr, "pool must not be NULL");
  if (out_size) *out_size = static_cast<int64_t>(pool->size);
  if (out_used) *out_used = static_cast<int64_t>(pool->low + pool->high);
  if (out_peak) *out_peak = static_cast<int64_t>(pool->peak);
  return ET_OK;
  ET4J_GUARD_END
}

void et_pool_destroy(et_pool *pool) { delete pool; }

// A sanitized build says so, so a test run can prove which facade it loaded.
#if defined(__SANITIZE_ADDRESS__)
#define ET4J_BUILD_FLAVOR " +asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ET4J_BUILD_FLAVOR " +asan"
#endif
#endif
#ifndef ET4J_BUILD_FLAVOR
#define ET4J_BUILD_FLAVOR ""
#endif
const char *et_version(void) { return "executorch4j-facade 0.1.0 (ExecuTorch 1.5.1)" ET4J_BUILD_FLAVOR; }

const char *et_last_error(void) { return t_last_error.c_str(); }

et_status et_runtime_init(void) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  return ET_OK;
  ET4J_GUARD_END
}

int32_t et_backend_available(const char *backend_id) {
  if (backend_id == nullptr) return 0;
  std::call_once(g_init_once, init_runtime);
  return executorch::runtime::get_backend_class(backend_id) != nullptr ? 1 : 0;
}

et_status et_program_load_file(const char *path, int32_t load_mode, int32_t verification,
                               et_program **out_program) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(path != nullptr && out_program != nullptr, "path and out_program must not be NULL");
  if (!file_exists(path)) return fail(ET_ERR_FILE_NOT_FOUND, "no such file: %s", path);
  std::unique_ptr<DataLoader> loader;
  if (load_mode == ET_LOAD_FILE) {
    auto r = executorch::extension::FileDataLoader::from(path);
    if (!r.ok()) return fail_runtime(r.error(), "cannot open file");
    loader = std::make_unique<executorch::extension::FileDataLoader>(std::move(r.get()));
  } else {
    using Mlock = executorch::extension::MmapDataLoader::MlockConfig;
    auto r = executorch::extension::MmapDataLoader::from(
        path, load_mode == ET_LOAD_MMAP_MLOCK ? Mlock::UseMlockIgnoreErrors : Mlock::NoMlock);
    if (!r.ok()) return fail_runtime(r.error(), "cannot map file");
    loader = std::make_unique<executorch::extension::MmapDataLoader>(std::move(r.get()));
  }
  return finish_program_load(std::move(loader), verification, out_program);
  ET4J_GUARD_END
}

et_status et_program_load_buffer(const void *data, uint64_t size, int32_t verification,
                                 et_program **out_program) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(out_program != nullptr, "out_program must not be NULL");
  ET4J_REQUIRE(data != nullptr || size == 0, "data is NULL but size is %llu",
               (unsigned long long)size);
  const auto *bytes = static_cast<const uint8_t *>(data);
  std::vector<uint8_t> copy(bytes, bytes + size);
  return finish_program_load(std::make_unique<OwnedBufferLoader>(std::move(copy)), verification,
                             out_program);
  ET4J_GUARD_END
}

et_status et_program_load_stream(et_read_fn read, void *userdata, uint64_t total_size,
                                 int32_t verification, et_program **out_program) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(read != nullptr && out_program != nullptr, "read and out_program must not be NULL");
  return finish_program_load(std::make_unique<CallbackLoader>(read, userdata, total_size),
                             verification, out_program);
  ET4J_GUARD_END
}

void et_program_destroy(et_program *program) {
  try {
    delete program;
  } catch (...) {
  }
}

et_status et_program_segment_count(const et_program *program, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_count != nullptr, "program and out_count must not be NULL");
  *out_count = static_cast<int64_t>(program->segments.size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_segment(const et_program *program, int64_t index, et_segment_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < program->segments.size(),
               "segment index %lld out of range [0, %zu)", (long long)index, program->segments.size());
  *out_info = program->segments[static_cast<size_t>(index)];
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_count(const et_program *program, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_count != nullptr, "program and out_count must not be NULL");
  *out_count = static_cast<int64_t>(program->method_names.size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_name(const et_program *program, int64_t index, char *buf,
                                 uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr, "program must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < program->method_names.size(),
               "method index %lld out of range [0, %zu)", (long long)index,
               program->method_names.size());
  copy_name(program->method_names[index].c_str(), buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_info(const et_program *program, const char *method,
                                 et_method_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  et_method_info info{};
  info.num_inputs = static_cast<int64_t>(mm->num_inputs());
  info.num_outputs = static_cast<int64_t>(mm->num_outputs());
  info.num_planned_buffers = static_cast<int64_t>(mm->num_memory_planned_buffers());
  for (size_t i = 0; i < mm->num_memory_planned_buffers(); i++) {
    auto sz = mm->memory_planned_buffer_size(i);
    if (!sz.ok()) return fail_runtime(sz.error(), "cannot read planned buffer size");
    if (sz.get() < 0) return fail(0x23, "planned buffer %zu has negative size", i);
    if (__builtin_add_overflow(info.planned_bytes, sz.get(), &info.planned_bytes))
      return fail(0x23, "planned buffer sizes overflow 64 bits");
  }
  info.num_backends = static_cast<int64_t>(mm->num_backends());
  *out_info = info;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_tensor_info(const et_program *program, const char *method, int32_t is_output,
                                 int64_t index, et_tensor_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  size_t count = is_output ? mm->num_outputs() : mm->num_inputs();
  ET4J_REQUIRE(index >= 0 && (size_t)index < count, "%s index %lld out of range [0, %zu)",
               is_output ? "output" : "input", (long long)index, count);
  Result<Tag> tag = is_output ? mm->output_tag(index) : mm->input_tag(index);
  if (!tag.ok()) return fail_runtime(tag.error(), "cannot read value tag");
  et_tensor_info info{};
  info.dtype = -1;
  if (tag.get() == Tag::Tensor) {
    Result<TensorInfo> ti = is_output ? mm->output_tensor_meta(index) : mm->input_tensor_meta(index);
    if (!ti.ok()) return fail_runtime(ti.error(), "cannot read tensor metadata");
    if (ti->sizes().size() > ET_MAX_RANK) return fail(0x23, "tensor rank %zu exceeds %d", ti->sizes().size(), ET_MAX_RANK);
    fill_tensor_info(ti.get(), &info);
  } else {
    info.kind = tag.get() == Tag::None ? 0 : 2;
  }
  *out_info = info;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_planned_buffer_size(const et_program *program, const char *method,
                                         int64_t index, int64_t *out_size) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_size != nullptr, "program and out_size must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  ET4J_REQUIRE(index >= 0 && (size_t)index < mm->num_memory_planned_buffers(),
               "planned buffer index %lld out of range", (long long)index);
  auto sz = mm->memory_planned_buffer_size(index);
  if (!sz.ok()) return fail_runtime(sz.error(), "cannot read planned buffer size");
  *out_size = sz.get();
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_backend_name(const et_program *program, const char *method, int64_t index,
                                  char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr, "program must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  ET4J_REQUIRE(index >= 0 && (size_t)index < mm->num_backends(), "backend index %lld out of range",
               (long long)index);
  auto name = mm->get_backend_name(index);
  if (!name.ok()) return fail_runtime(name.error(), "cannot read backend name");
  copy_name(name.get(), buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

et_method_config et_method_config_default(void) {
  et_method_config c{};
  c.memory_policy = ET_MEMORY_AUTO;
  c.xnnpack_workspace_sharing = -1;
  return c;
}

et_status et_method_load(et_program *program, const char *method, const et_method_config *config,
                         et_method **out_method) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_method != nullptr, "program and out_method must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  auto m = std::make_unique<et_method>();
  m->owner = program;
  m->config = config ? *config : et_method_config_default();
  const auto policy = m->config.memory_policy;
  ET4J_REQUIRE(policy >= ET_MEMORY_AUTO && policy <= ET_MEMORY_CUSTOM, "unknown memory policy %d", policy);
  if (policy == ET_MEMORY_STATIC) {
    ET4J_REQUIRE(m->config.pool != nullptr, "STATIC policy needs a pool");
    m->pool = m->config.pool;
    m->pool->users++;  // released in ~et_method, also when this load fails
  }
  if (policy == ET_MEMORY_CUSTOM)
    ET4J_REQUIRE(m->config.alloc != nullptr && m->config.free != nullptr,
                 "CUSTOM policy needs alloc and free callbacks");

  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  m->method_allocator = std::make_unique<FacadeAllocator>(m->config, m->pool, false);
  m->temp_allocator = std::make_unique<FacadeAllocator>(m->config, m->pool, true);

  // Memory-planned buffers come from the method allocator, i.e. the policy.
  for (size_t i = 0; i < mm->num_memory_planned_buffers(); i++) {
    auto sz = mm->memory_planned_buffer_size(i);
    if (!sz.ok()) return fail_runtime(sz.error(), "cannot read planned buffer size");
    if (sz.get() < 0) return fail(0x23, "planned buffer %zu has negative size", i);
    size_t bytes = static_cast<size_t>(sz.get());
    void *buf = m->method_allocator->allocate(bytes == 0 ? 1 : bytes, 64);
    if (buf == nullptr) return fail(0x21, "cannot allocate planned buffer %zu of %zu bytes", i, bytes);
    m->planned_spans.emplace_back(static_cast<uint8_t *>(buf), bytes);
    m->planned_bytes += bytes;
  }
  m->planned = std::make_unique<HierarchicalAllocator>(
      Span<Span<uint8_t>>(m->planned_spans.data(), m->planned_spans.size()));
  m->memory_manager = std::make_unique<MemoryManager>(m->method_allocator.get(), m->planned.get(),
                                                      m->temp_allocator.get());
  const et_method_config &cfg = m->config;
  if (cfg.profiling)
    m->tracer = std::make_unique<FacadeTracer>(read_instruction_names(program->loader.get(), method));
  if (cfg.xnnpack_weight_cache) m->xnnpack_options.set_option("weight_cache_enabled", true);
  if (cfg.xnnpack_workspace_sharing >= 0)
    m->xnnpack_options.set_option("workspace_sharing_mode", static_cast<int>(cfg.xnnpack_workspace_sharing));
  if (m->xnnpack_options.view().size() > 0) {
    Error e = m->backend_options.set_options("XnnpackBackend", m->xnnpack_options.view());
    if (e != Error::Ok) return fail_runtime(e, "cannot set XNNPACK options");
  }
  apply_thread_count(cfg.threads);
  // threads == 1: XNNPACK binds its runtime to the pool at init, so the guard
  // must cover the load as well as every execute.
  std::optional<executorch::extension::threadpool::NoThreadPoolGuard> single_thread;
  if (cfg.threads == 1) single_thread.emplace();
  std::shared_lock<std::shared_mutex> registry_lock(g_registry_mutex);  // kernels are looked up here
  Result<Method> r = program->program->load_method(
      method, m->memory_manager.get(), m->tracer.get(), nullptr,
      m->xnnpack_options.view().size() > 0 ? &m->backend_options : nullptr);
  registry_lock.unlock();
  if (m->method_allocator->failed()) {
    // Loaded on borrowed memory (see FacadeAllocator::allocate), or failed for want of
    // memory: either way the method is discarded (r, declared after m, goes first).
    size_t borrowed = m->method_allocator->failed_bytes();
    if (policy == ET_MEMORY_STATIC)
      return fail(0x21,
                  "STATIC pool too small: method '%s' needs at least %zu bytes but the pool has "
                  "%zu; use requiredPoolBytes() to size it",
                  method, m->pool->low + m->pool->high + borrowed, m->pool->size);
    return fail(0x21, "the custom allocator refused %zu bytes while loading '%s'", borrowed, method);
  }
  if (!r.ok()) {
    Error e = r.error();
    std::string log = t_runtime_log;
    if (e == Error::OperatorMissing) {
      std::string ops = names_after(log, "Missing operator: [", "]");
      return fail(ET_ERR_OPERATOR_MISSING,
                  "method '%s' needs operator(s) %s, which this runtime has no kernel for "
                  "(register a kernel for it, in Java or from a native operator library, before loading the model)",
                  method, ops.empty() ? "(unnamed)" : ops.c_str());
    }
    std::string backends = names_after(log, "Backend ", "");
    if (!backends.empty() && (log.find("not registered") != std::string::npos ||
                              log.find("not available") != std::string::npos))
      return fail(ET_ERR_BACKEND_UNAVAILABLE,
                  "method '%s' is delegated to backend %s, which this runtime does not include "
                  "(available: XnnpackBackend)",
                  method, backends.c_str());
    return fail_runtime(e, "cannot load method");
  }
  m->method.emplace(std::move(r.get()));
  m->num_inputs = m->method->inputs_size();
  m->num_outputs = m->method->outputs_size();
  if (cfg.warmup_runs > 0) {
    if (et_status st = warm_up(m.get(), cfg.warmup_runs)) {
      if (policy == ET_MEMORY_STATIC && m->temp_allocator->failed())
        return fail(0x21,
                    "STATIC pool too small: method '%s' needs %zu more bytes of temp memory while "
                    "running (pool has %zu); use requiredPoolBytes() to size it",
                    method, m->temp_allocator->failed_bytes(), m->pool->size);
      return st;
    }
  }
  *out_method = m.release();
  return ET_OK;
  ET4J_GUARD_END
}

void et_method_destroy(et_method *method) {
  try {
    delete method;
  } catch (...) {
  }
}

et_status et_method_set_input(et_method *method, int64_t index, int32_t dtype, const int64_t *sizes,
                              int32_t rank, void *data, uint64_t nbytes) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr, "method must not be NULL");
  if (index < 0 || (size_t)index >= method->num_inputs)
    return fail(ET_ERR_INPUT_MISMATCH, "input index %lld out of range: the method takes %zu inputs",
                (long long)index, method->num_inputs);
  if (rank < 0 || rank > ET_MAX_RANK || (rank > 0 && sizes == nullptr))
    return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: rank %d is not in [0, %d]", (long long)index, rank, ET_MAX_RANK);
  size_t esize = et_dtype_size(dtype);
  if (esize == 0) return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: unsupported dtype code %d", (long long)index, dtype);
  TensorImpl::SizesType sz[ET_MAX_RANK];
  TensorImpl::DimOrderType order[ET_MAX_RANK];
  TensorImpl::StridesType strides[ET_MAX_RANK];
  uint64_t numel = 1;
  for (int32_t i = 0; i < rank; i++) {
    if (sizes[i] < 0 || sizes[i] > INT32_MAX)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: size %lld at dim %d is invalid", (long long)index,
                  (long long)sizes[i], i);
    sz[i] = static_cast<TensorImpl::SizesType>(sizes[i]);
    order[i] = static_cast<TensorImpl::DimOrderType>(i);
    if (sizes[i] != 0 && numel > UINT64_MAX / (uint64_t)sizes[i])
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: shape overflows", (long long)index);
    numel *= (uint64_t)sizes[i];
  }
  int64_t s = 1;  // strides are int32 in ExecuTorch: refuse shapes whose strides overflow
  for (int32_t i = rank - 1; i >= 0; i--) {
    if (s > INT32_MAX)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: shape too large (a stride exceeds INT32_MAX)",
                  (long long)index);
    strides[i] = static_cast<TensorImpl::StridesType>(s);
    s *= sz[i] == 0 ? 1 : sz[i];
  }
  if (numel > UINT64_MAX / esize || numel * esize != nbytes)
    return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: %llu bytes given for a shape that needs %llu",
                (long long)index, (unsigned long long)nbytes, (unsigned long long)(numel * esize));
  if (nbytes > 0 && data == nullptr) return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: data is NULL", (long long)index);
  TensorImpl impl(static_cast<ScalarType>(dtype), rank, sz, data, order, strides);
  Error e = method->method->set_input(EValue(Tensor(&impl)), static_cast<size_t>(index));
  if (e != Error::Ok)
    return fail(ET_ERR_INPUT_MISMATCH, "input_%lld rejected by the runtime: %s (0x%x)", (long long)index,
                error_name((int32_t)e), (int32_t)e);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_input_dynamic_dims(et_method *method, int64_t index, uint8_t *out_mask) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_mask != nullptr, "method and out_mask must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < method->num_inputs, "input index %lld out of range",
               (long long)index);
  std::memset(out_mask, 0, ET_MAX_RANK);
  auto mm = method->method->method_meta();
  auto tag = mm.input_tag(index);
  if (!tag.ok() || tag.get() != Tag::Tensor) return ET_OK;
  auto ti = mm.input_tensor_meta(index);
  if (!ti.ok()) return fail_runtime(ti.error(), "cannot read tensor metadata");
  auto declared = ti->sizes();
  int32_t rank = static_cast<int32_t>(declared.size() < ET_MAX_RANK ? declared.size() : ET_MAX_RANK);
  int32_t dtype = static_cast<int32_t>(ti->scalar_type());
  std::vector<uint8_t> zeros(ti->nbytes() == 0 ? 1 : ti->nbytes(), 0);
  // Sets the input through the normal path with dim `shrink` at 1 (none when shrink == rank).
  auto probe = [&](int32_t shrink) {
    int64_t sz[ET_MAX_RANK];
    uint64_t numel = 1;
    for (int32_t i = 0; i < rank; i++) {
      sz[i] = i == shrink ? 1 : declared[i];
      numel *= static_cast<uint64_t>(sz[i] < 0 ? 0 : sz[i]);
    }
    return et_method_set_input(method, index, dtype, sz, rank, zeros.data(), numel * et_dtype_size(dtype));
  };
  for (int32_t d = 0; d < rank; d++) {
    if (declared[d] <= 1) continue;
    out_mask[d] = probe(d) == ET_OK ? 1 : 0;
  }
  t_last_error.clear();  // the refusals above are expected, not errors
  t_runtime_log.clear();
  if (et_status st = probe(rank)) return st;  // no dim shrunk: back to the declared shape
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"

namespace {
Error run_method(et_method *method, int64_t *out_elapsed_ns) {
  t_kernel_failure.clear();
  std::shared_lock<std::shared_mutex> lock(g_pool_mutex);
  std::optional<executorch::extension::threadpool::NoThreadPoolGuard> single_thread;
  if (method->config.threads == 1) single_thread.emplace();
  auto t0 = std::chrono::steady_clock::now();
  Error e = method->method->execute();
  if (out_elapsed_ns)
    *out_elapsed_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

// Runs the method on zero inputs of the declared shapes so first-call setup
// (XNNPACK packing, page faults, caches) happens at load. The inputs are set again
// before every run: planned input buffers are reused for intermediates, so after one
// run they hold garbage (an embedding's indices would then be out of range).
et_status warm_up(et_method *m, int32_t runs) {
  auto meta = m->method->method_meta();
  for (int32_t k = 0; k < runs; k++) {
    std::vector<std::vector<uint8_t>> zeros;
    for (size_t i = 0; i < m->num_inputs; i++) {
      auto tag = meta.input_tag(i);
      if (!tag.ok() || tag.get() != Tag::Tensor) return ET_OK;  // nothing to fake
      auto ti = meta.input_tensor_meta(i);
      if (!ti.ok()) return fail_runtime(ti.error(), "warm-up");
      zeros.emplace_back(ti->nbytes() == 0 ? 1 : ti->nbytes(), 0);
      auto sizes = ti->sizes();
      int64_t sz[ET_MAX_RANK];
      for (size_t d = 0; d < sizes.size() && d < ET_MAX_RANK; d++) sz[d] = sizes[d];
      if (et_status st = et_method_set_input(m, static_cast<int64_t>(i), static_cast<int32_t>(ti->scalar_type()),
                                             sz, static_cast<int32_t>(sizes.size()), zeros.back().data(),
                                             ti->nbytes()))
        return st;
    }
    Error e = run_method(m, nullptr);
    if (e != Error::Ok) return execution_failed(e, "warm-up execution failed");
  }
  return ET_OK;
}
}  // namespace

extern "C" {

et_status et_method_execute(et_method *method, int64_t *out_elapsed_ns) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr, "method must not be NULL");
  Error e = run_method(method, out_elapsed_ns);
  if (e != Error::Ok) return execution_failed(e, "execution failed");
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_forward(et_method *method, const et_tensor_input *inputs, int64_t num_inputs,
                            et_tensor_view *outputs, int64_t num_outputs, int64_t *out_elapsed_ns,
                            const void *, const void *, const void *, const void *) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr, "method must not be NULL");
  if (num_inputs != static_cast<int64_t>(method->num_inputs))
    return fail(ET_ERR_INPUT_MISMATCH, "expected %zu inputs, got %lld", method->num_inputs, (long long)num_inputs);
  ET4J_REQUIRE(num_outputs == static_cast<int64_t>(method->num_outputs), "expected room for %zu outputs, got %lld",
               method->num_outputs, (long long)num_outputs);
  ET4J_REQUIRE(num_inputs == 0 || inputs != nullptr, "inputs must not be NULL");
  ET4J_REQUIRE(num_outputs == 0 || outputs != nullptr, "outputs must not be NULL");
  if (method->dry_run) {
    if (out_elapsed_ns) *out_elapsed_ns = 0;
  } else {
    for (int64_t i = 0; i < num_inputs; i++) {
      const et_tensor_input &in = inputs[i];
      if (et_status st = et_method_set_input(method, i, in.dtype, in.sizes, in.rank, in.data, in.nbytes)) return st;
    }
    Error e = run_method(method, out_elapsed_ns);
    if (e != Error::Ok) return execution_failed(e, "execution failed");
  }
  for (int64_t j = 0; j < num_outputs; j++) {
    if (et_status st = et_method_output(method, j, &outputs[j])) return st;
  }
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_set_dry_run(et_method *method, int32_t dry_run) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr, "method must not be NULL");
  method->dry_run = dry_run != 0;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_profile_count(const et_method *method, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_count != nullptr, "method and out_count must not be NULL");
  *out_count = method->tracer ? static_cast<int64_t>(method->tracer->events().size()) : 0;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_profile_event(const et_method *method, int64_t index, et_profile_event *out_event) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_event != nullptr, "method and out_event must not be NULL");
  ET4J_REQUIRE(method->tracer != nullptr, "profiling is off for this method");
  const auto &events = method->tracer->events();
  ET4J_REQUIRE(index >= 0 && (size_t)index < events.size(), "event index %lld out of range [0, %zu)",
               (long long)index, events.size());
  *out_event = events[index];
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_etdump(et_method *method, void **out_data, uint64_t *out_size) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_data != nullptr && out_size != nullptr, "arguments must not be NULL");
  ET4J_REQUIRE(method->tracer != nullptr, "profiling is off for this method");
  executorch::etdump::ETDumpResult r = method->tracer->etdump().get_etdump_data();
  if (r.buf == nullptr || r.size == 0) return fail(0x02, "the ETDump is empty: run the method first");
  *out_data = r.buf;
  *out_size = r.size;
  return ET_OK;
  ET4J_GUARD_END
}

void et_free(void *data) { std::free(data); }

uint64_t et_dtype_size(int32_t dtype) {
  // Every ScalarType of ExecuTorch 1.5.1 (runtime/core/portable_type/scalar_type.h), codes 0..29.
  // A table, not elementSize(): that one aborts the process on an unknown code.
  static const uint8_t kSizes[30] = {
      1, 1, 2, 4, 8, 2, 4, 8,  // uint8 int8 int16 int32 int64 float16 float32 float64
      4, 8, 16,                // complex32 complex64 complex128
      1, 1, 1, 4, 2,           // bool qint8 quint8 qint32 bfloat16
      1, 1, 1, 1, 1, 1, 2,     // quint4x2 quint2x4 bits1x8 bits2x4 bits4x2 bits8 bits16
      1, 1, 1, 1,              // float8 e5m2 e4m3fn e5m2fnuz e4m3fnuz
      2, 4, 8};                // uint16 uint32 uint64
  return dtype >= 0 && dtype < 30 ? kSizes[dtype] : 0;
}

int64_t et_runtime_live_bytes(void) { return g_live_bytes.load(); }

et_status et_runtime_thread_count(int32_t *out_threads) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(out_threads != nullptr, "out_threads must not be NULL");
  std::call_once(g_init_once, init_runtime);
  auto *pool = executorch::extension::threadpool::get_threadpool();
  *out_threads = pool ? static_cast<int32_t>(pool->get_thread_count()) : 0;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_output(const et_method *method, int64_t index, et_tensor_view *out_view) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_view != nullptr, "method and out_view must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < method->num_outputs, "output index %lld out of range [0, %zu)",
               (long long)index, method->num_outputs);
  const EValue &v = method->method->get_output(static_cast<size_t>(index));
  if (!v.isTensor())
    return fail(ET_ERR_UNSUPPORTED_VALUE, "output_%lld is not a tensor (tag %u)", (long long)index,
                (unsigned)v.tag);
  const Tensor &t = v.toTensor();
  if (t.dim() > ET_MAX_RANK) return fail(0x23, "output_%lld has rank %zd", (long long)index, (ssize_t)t.dim());
  et_tensor_view view{};
  view.dtype = static_cast<int32_t>(t.scalar_type());
  view.rank = static_cast<int32_t>(t.dim());
  for (int32_t i = 0; i < view.rank; i++) view.sizes[i] = t.size(i);
  view.data = t.mutable_data_ptr();
  view.nbytes = static_cast<int64_t>(t.nbytes());
  for (int32_t i = 0; i < view.rank; i++)
    if (view.sizes[i] < 0) return fail(0x23, "output_%lld has a negative size at dim %d", (long long)index, i);
  // Java views the pointer as nbytes of memory: never hand it NULL with a size.
  if (view.data == nullptr && view.nbytes > 0)
    return fail(0x23, "output_%lld has no data but %lld bytes", (long long)index, (long long)view.nbytes);
  *out_view = view;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_memory_stats(const et_method *method, et_memory_stats *out_stats) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_stats != nullptr, "method and out_stats must not be NULL");
  et_memory_stats s{};
  s.planned_bytes = static_cast<int64_t>(method->planned_bytes);
  s.method_bytes = static_cast<int64_t>(method->method_allocator->used() - method->planned_bytes);
  s.temp_peak_bytes = static_cast<int64_t>(method->temp_allocator->peak());
  if (method->config.memory_policy == ET_MEMORY_STATIC) {
    s.pool_used_bytes = static_cast<int64_t>(method->pool->peak);
    s.pool_size = static_cast<int64_t>(method->pool->size);
  }
  s.live_allocations = static_cast<int64_t>(method->method_allocator->live_blocks() +
                                            method->temp_allocator->live_blocks());
  s.total_allocations = static_cast<int64_t>(method->method_allocator->total_allocs() +
                                             method->temp_allocator->total_allocs());
  *out_stats = s;
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"

// -------------------------------------------------------- custom operators ----

struct et_kernel_call {
  const char *op;
  Span<EValue *> stack;
  et_kernel_value *values;
};

namespace {

// The registry's capacity in the 1.5.1 wheel (kMaxRegisteredKernels, the `cmp $0x7d0` in
// register_kernels; not exported). ExecuTorch aborts the process past it, so we refuse first.
constexpr size_t kRuntimeMaxKernels = 2000;

// ExecuTorch's OpFunction carries no user data, so each caller kernel gets its own function:
// slot N's trampoline knows it is N and finds the caller's function and userdata there.
constexpr int kKernelSlots = 64;

struct KernelSlot {
  const char *name = nullptr;  // owned for the life of the process (the registry keeps the pointer)
  et_kernel_fn fn = nullptr;
  void *userdata = nullptr;
};
KernelSlot g_slots[kKernelSlots];
int g_slots_used = 0;  // guarded by g_registry_mutex

// Describes value `v` for a caller kernel; pointers are views of the runtime's memory.
void describe_value(const EValue &v, et_kernel_value *out) {
  *out = et_kernel_value{};
  out->tag = static_cast<int32_t>(v.tag);
  out->dtype = -1;
  switch (v.tag) {
    case Tag::Tensor: {
      const Tensor &t = v.toTensor();
      out->dtype = static_cast<int32_t>(t.scalar_type());
      out->rank = static_cast<int32_t>(t.dim() < ET_MAX_RANK ? t.dim() : ET_MAX_RANK);
      for (int32_t i = 0; i < out->rank; i++) out->sizes[i] = t.size(i);
      out->data = t.mutable_data_ptr();
      out->nbytes = static_cast<int64_t>(t.nbytes());
      break;
    }
    case Tag::Int: out->int_value = v.toInt(); break;
    case Tag::Bool: out->int_value = v.toBool() ? 1 : 0; break;
    case Tag::Double: out->double_value = v.toDouble(); break;
    case Tag::String: {
      auto s = v.toString();
      out->data = const_cast<char *>(s.data());
      out->count = static_cast<int64_t>(s.size());
      break;
    }
    case Tag::ListInt: {
      auto r = v.tryToIntList();
      if (r.ok()) {
        out->data = const_cast<int64_t *>(r->data());
        out->count = static_cast<int64_t>(r->size());
      }
      break;
    }
    case Tag::ListDouble: {
      auto l = v.toDoubleList();
      out->data = const_cast<double *>(l.data());
      out->count = static_cast<int64_t>(l.size());
      break;
    }
    case Tag::ListBool: {
      auto l = v.toBoolList();
      out->data = const_cast<bool *>(l.data());
      out->count = static_cast<int64_t>(l.size());
      break;
    }
    case Tag::ListTensor: out->count = static_cast<int64_t>(v.toTensorList().size()); break;
    default: break;
  }
}

// Which values the kernel writes. Out variants are emitted with the out argument also as the
// return value (the same EValue), or a tensor list of the outs; a functional op returns a
// tensor of its own. Everything else is read-only.
void mark_outputs(Span<EValue *> stack, et_kernel_value *values) {
  size_t n = stack.size();
  if (n == 0) return;
  const EValue *ret = stack[n - 1];
  bool aliased = false;
  for (size_t i = 0; i + 1 < n; i++) {
    if (!stack[i]->isTensor()) continue;
    bool out = stack[i] == ret;
    if (!out && ret->isTensorList()) {
      for (const Tensor &t : ret->toTensorList())
        out = out || t.unsafeGetTensorImpl() == stack[i]->toTensor().unsafeGetTensorImpl();
    }
    values[i].is_output = out ? 1 : 0;
    aliased = aliased || out;
  }
  if (!aliased && ret->isTensor()) values[n - 1].is_output = 1;
}

void run_caller_kernel(int slot, executorch::runtime::KernelRuntimeContext &ctx, Span<EValue *> stack) {
  const KernelSlot &k = g_slots[slot];
  try {
    constexpr size_t kInline = 16;
    et_kernel_value inline_values[kInline];
    std::vector<et_kernel_value> heap_values;
    et_kernel_value *values = inline_values;
    if (stack.size() > kInline) {
      heap_values.resize(stack.size());
      values = heap_values.data();
    }
    for (size_t i = 0; i < stack.size(); i++) describe_value(*stack[i], &values[i]);
    mark_outputs(stack, values);
    et_kernel_call call{k.name, stack, values};
    int32_t rc = k.fn(k.userdata, &call, values, static_cast<int64_t>(stack.size()));
    if (rc != 0) {
      t_kernel_failure = std::string("kernel for ") + k.name + " failed (status " + std::to_string(rc) + ")";
      ctx.fail(Error::Internal);
    }
  } catch (...) {
    t_kernel_failure = std::string("kernel for ") + k.name + " failed: C++ exception in the facade";
    ctx.fail(Error::Internal);
  }
}

template <int N>
void kernel_trampoline(executorch::runtime::KernelRuntimeContext &ctx, Span<EValue *> stack) {
  run_caller_kernel(N, ctx, stack);
}

template <int... I>
constexpr std::array<executorch::runtime::OpFunction, sizeof...(I)> make_trampolines(
    std::integer_sequence<int, I...>) {
  return {&kernel_trampoline<I>...};
}
constexpr auto kTrampolines = make_trampolines(std::make_integer_sequence<int, kKernelSlots>());

bool registry_has_name(const char *name) {
  for (const auto &k : executorch::runtime::get_registered_kernels())
    if (k.name_ != nullptr && std::strcmp(k.name_, name) == 0) return true;
  return false;
}

// Makes the runtime library (libexecutorch.so, the one this facade is linked to) global, so an
// operator library loaded later binds to this runtime and its registry, not to a copy of its own.
et_status promote_runtime_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&executorch::runtime::get_registered_kernels), &info) == 0 ||
      info.dli_fname == nullptr)
    return fail(ET_ERR_LIBRARY_LOAD_FAILED, "cannot locate the ExecuTorch runtime library");
  void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  if (self == nullptr)
    return fail(ET_ERR_LIBRARY_LOAD_FAILED, "cannot make %s global: %s", info.dli_fname, dlerror());
  return ET_OK;  // the handle stays open on purpose: the runtime is never unloaded
}

const std::vector<std::string> *method_operators(const et_program *program, const char *method) {
  auto it = program->operators.find(method);
  return it == program->operators.end() ? nullptr : &it->second;
}

}  // namespace

extern "C" {

et_status et_kernel_register(const char *op_name, et_kernel_fn fn, void *userdata) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(op_name != nullptr && fn != nullptr, "op_name and fn must not be NULL");
  size_t len = std::strlen(op_name);
  const char *sep = std::strstr(op_name, "::");
  ET4J_REQUIRE(len > 0 && len < 256 && sep != nullptr && sep != op_name && sep[2] != '\0' &&
                   std::strchr(op_name, ' ') == nullptr,
               "operator name '%s' is not of the form namespace::op or namespace::op.overload", op_name);
  std::unique_lock<std::shared_mutex> lock(g_registry_mutex);
  for (int i = 0; i < g_slots_used; i++)
    if (std::strcmp(g_slots[i].name, op_name) == 0)
      return fail(0x16, "operator %s already has a kernel registered through executorch4j", op_name);
  if (registry_has_name(op_name))
    return fail(0x16, "operator %s already has a kernel in the runtime (linked in, or from an operator library)",
                op_name);
  if (g_slots_used >= kKernelSlots)
    return fail(0x15, "all %d caller kernel slots are in use; cannot register %s", kKernelSlots, op_name);
  size_t registered = executorch::runtime::get_registered_kernels().size();
  if (registered + 1 > kRuntimeMaxKernels)
    return fail(0x15, "the runtime's kernel registry is full (%zu of %zu); cannot register %s", registered,
                kRuntimeMaxKernels, op_name);
  char *name = strdup(op_name);  // kept for the life of the process, like the registry entry
  if (name == nullptr) return fail(0x21, "out of memory");
  int slot = g_slots_used;
  g_slots[slot].name = name;
  g_slots[slot].fn = fn;
  g_slots[slot].userdata = userdata;
  Error e = executorch::runtime::register_kernel(executorch::runtime::Kernel(name, kTrampolines[slot]));
  if (e != Error::Ok) {
    g_slots[slot] = KernelSlot{};
    std::free(name);
    return fail_runtime(e, "cannot register the kernel");
  }
  g_slots_used++;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_kernel_call_resize_output(et_kernel_call *call, int64_t index, const int64_t *sizes, int32_t rank,
                                       et_kernel_value *out_value) {
  // No CallScope: this runs inside an execute whose error state must survive it.
  t_last_error.clear();
  try {
    if (call == nullptr || (rank > 0 && sizes == nullptr)) return fail(0x12, "call and sizes must not be NULL");
    if (index < 0 || static_cast<size_t>(index) >= call->stack.size())
      return fail(0x12, "value index %lld out of range [0, %zu)", (long long)index, call->stack.size());
    if (!call->values[index].is_output || !call->stack[index]->isTensor())
      return fail(0x12, "value %lld of %s is not an output tensor", (long long)index, call->op);
    Tensor t = call->stack[index]->toTensor();
    if (rank != static_cast<int32_t>(t.dim()))
      return fail(0x12, "output %lld of %s has rank %zd, not %d", (long long)index, call->op, (ssize_t)t.dim(),
                  rank);
    TensorImpl::SizesType sz[ET_MAX_RANK];
    for (int32_t i = 0; i < rank; i++) {
      if (sizes[i] < 0 || sizes[i] > INT32_MAX)
        return fail(0x12, "size %lld at dim %d is invalid", (long long)sizes[i], i);
      sz[i] = static_cast<TensorImpl::SizesType>(sizes[i]);
    }
    std::string saved_log = std::move(t_runtime_log);
    t_runtime_log.clear();
    Error e = executorch::runtime::resize_tensor(t, {sz, static_cast<size_t>(rank)});
    std::string why = std::move(t_runtime_log);
    t_runtime_log = std::move(saved_log);  // the resize's complaint belongs to this call only
    if (e != Error::Ok) {
      std::string declared;
      for (ssize_t i = 0; i < t.dim(); i++) declared += (i ? "," : "") + std::to_string(static_cast<long long>(t.size(i)));
      return fail(static_cast<int32_t>(e), "the runtime refused to resize output %lld of %s from [%s]: %s",
                  (long long)index, call->op, declared.c_str(), why.empty() ? error_name((int32_t)e) : why.c_str());
    }
    int32_t is_output = call->values[index].is_output;
    describe_value(*call->stack[index], &call->values[index]);
    call->values[index].is_output = is_output;
    if (out_value) *out_value = call->values[index];
    return ET_OK;
  } catch (...) {
    return fail(ET_ERR_INTERNAL, "C++ exception in %s", __func__);
  }
}

et_status et_op_library_load(const char *path, int64_t *out_new_kernels) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(path != nullptr, "path must not be NULL");
  if (!file_exists(path)) return fail(ET_ERR_FILE_NOT_FOUND, "no such file: %s", path);
  std::unique_lock<std::shared_mutex> lock(g_registry_mutex);
  if (et_status st = promote_runtime_library()) return st;
  size_t before = executorch::runtime::get_registered_kernels().size();
  dlerror();
  void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);  // never closed: the registry points into it
  if (handle == nullptr) {
    const char *why = dlerror();
    return fail(ET_ERR_LIBRARY_LOAD_FAILED, "cannot load operator library %s: %s", path, why ? why : "unknown");
  }
  size_t after = executorch::runtime::get_registered_kernels().size();
  if (out_new_kernels) *out_new_kernels = static_cast<int64_t>(after - before);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_kernel_count(int64_t *out_count) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(out_count != nullptr, "out_count must not be NULL");
  std::shared_lock<std::shared_mutex> lock(g_registry_mutex);
  *out_count = static_cast<int64_t>(executorch::runtime::get_registered_kernels().size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_kernel_name(int64_t index, char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  std::shared_lock<std::shared_mutex> lock(g_registry_mutex);
  auto kernels = executorch::runtime::get_registered_kernels();
  ET4J_REQUIRE(index >= 0 && static_cast<size_t>(index) < kernels.size(), "kernel index %lld out of range [0, %zu)",
               (long long)index, kernels.size());
  copy_name(kernels[index].name_ ? kernels[index].name_ : "", buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_backend_count(int64_t *out_count) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  ET4J_REQUIRE(out_count != nullptr, "out_count must not be NULL");
  *out_count = static_cast<int64_t>(executorch::runtime::get_num_registered_backends());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_backend_name(int64_t index, char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  std::call_once(g_init_once, init_runtime);
  size_t n = executorch::runtime::get_num_registered_backends();
  ET4J_REQUIRE(index >= 0 && static_cast<size_t>(index) < n, "backend index %lld out of range [0, %zu)",
               (long long)index, n);
  auto name = executorch::runtime::get_backend_name(static_cast<size_t>(index));
  if (!name.ok()) return fail_runtime(name.error(), "cannot read backend name");
  copy_name(name.get(), buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_operator_count(const et_program *program, const char *method, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_count != nullptr, "program and out_count must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  const auto *ops = method_operators(program, method);
  *out_count = ops ? static_cast<int64_t>(ops->size()) : 0;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_operator(const et_program *program, const char *method, int64_t index, char *buf,
                              uint64_t buf_size, int64_t *out_length, int32_t *out_registered) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr, "program must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  const auto *ops = method_operators(program, method);
  size_t n = ops ? ops->size() : 0;
  ET4J_REQUIRE(index >= 0 && static_cast<size_t>(index) < n, "operator index %lld out of range [0, %zu)",
               (long long)index, n);
  const std::string &name = (*ops)[static_cast<size_t>(index)];
  copy_name(name.c_str(), buf, buf_size, out_length);
  if (out_registered) {
    std::call_once(g_init_once, init_runtime);
    std::shared_lock<std::shared_mutex> lock(g_registry_mutex);
    *out_registered = registry_has_name(name.c_str()) ? 1 : 0;
  }
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"

// ------------------------------------------------------- isolated execution ---
// The client side of et4j-worker (et4j_worker.cpp); wire format in et4j_ipc.h.

#if defined(__linux__)
#include "et4j_ipc.h"

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct et_worker {
  struct Slot {
    uint64_t offset, capacity;
  };
  struct Method {
    std::vector<Slot> inputs, outputs;
    std::vector<std::array<uint8_t, ET_MAX_RANK>> masks;
  };
  std::mutex mu;
  pid_t pid = 0;
  int sock = -1;
  int64_t timeout_ms = 0;
  et_worker_config config{};
  et_status death_status = ET_OK;  // set once the worker is gone
  std::string death;
  uint8_t *io = nullptr;
  size_t io_size = 0;
  std::vector<Method> methods;
  std::vector<uint8_t> buf = std::vector<uint8_t>(et4j_ipc::kMaxMessage);
};

namespace {

const char *signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    case SIGXCPU: return "SIGXCPU";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
  }
}

// Reaps the worker (killing it if it lingers) and records why it is gone.
void worker_reap(et_worker *w, et_status status, const char *during) {
  int st = 0;
  pid_t r = 0;
  for (int i = 0; i < 200 && (r = waitpid(w->pid, &st, WNOHANG)) == 0; i++) usleep(5000);
  if (r == 0) {
    kill(w->pid, SIGKILL);
    r = waitpid(w->pid, &st, 0);
  }
  char text[256];
  if (status == ET_ERR_TIMEOUT) {
    std::snprintf(text, sizeof text, "the worker (pid %d) did not answer %s within %lld ms and was killed", (int)w->pid,
                  during, (long long)w->timeout_ms);
  } else if (r > 0 && WIFSIGNALED(st)) {
    std::snprintf(text, sizeof text, "the worker (pid %d) was killed by signal %d (%s) during %s", (int)w->pid,
                  WTERMSIG(st), signal_name(WTERMSIG(st)), during);
  } else if (r > 0 && WIFEXITED(st)) {
    std::snprintf(text, sizeof text, "the worker (pid %d) exited with status %d during %s", (int)w->pid,
                  WEXITSTATUS(st), during);
  } else {
    std::snprintf(text, sizeof text, "the worker (pid %d) is gone (%s)", (int)w->pid, during);
  }
  w->death_status = status;
  w->death = text;
  w->pid = 0;
  if (w->sock >= 0) close(w->sock);
  w->sock = -1;
}

et_status worker_gone(const et_worker *w) {
  return fail(w->death_status, "%s; load the model again", w->death.c_str());
}

// One request and its reply. *out_fd (nullable) gets an fd the reply passed. Returns the reply's
// size, or 0 after recording the worker's death (the status is then w->death_status).
size_t worker_call(et_worker *w, const et4j_ipc::Writer &req, int send_fd, int *out_fd, const char *during) {
  if (!et4j_ipc::send_message(w->sock, req, send_fd)) {
    worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(w->timeout_ms);
  // Busy-poll briefly first: a fast call's reply then arrives without this thread sleeping.
  for (;;) {
    struct pollfd p = {w->sock, POLLIN, 0};
    if (poll(&p, 1, 0) != 0) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::nanoseconds(et4j_ipc::kSpinNs)) break;
    sched_yield();  // on a busy machine, the worker may need this CPU to answer
  }
  for (;;) {
    int wait_ms = -1;
    if (w->timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() > 0 ? static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)) : 0;
    }
    struct pollfd p = {w->sock, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      kill(w->pid, SIGKILL);
      worker_reap(w, ET_ERR_TIMEOUT, during);
      return 0;
    }
    break;
  }
  struct msghdr in = {};
  struct iovec iov_in = {w->buf.data(), w->buf.size()};
  in.msg_iov = &iov_in;
  in.msg_iovlen = 1;
  alignas(struct cmsghdr) char control_in[CMSG_SPACE(sizeof(int))];
  in.msg_control = control_in;
  in.msg_controllen = sizeof control_in;
  ssize_t n;
  do {
    n = recvmsg(w->sock, &in, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return 0;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&in); c; c = CMSG_NXTHDR(&in, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      if (out_fd) *out_fd = fd;
      else close(fd);
    }
  }
  return static_cast<size_t>(n);
}

// The status and text that open every reply; a failure is recorded as this thread's last error.
et_status reply_head(et4j_ipc::Reader &r) {
  int32_t st = r.get<int32_t>();
  std::string text = r.str();
  if (!r.ok) return fail(ET_ERR_INTERNAL, "malformed reply from the worker");
  if (st) {
    t_last_error = text;
    return st;
  }
  return ET_OK;
}

}  // namespace

et_status et_worker_start(const char *worker_path, const et_worker_config *config, et_worker **out_worker) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(worker_path != nullptr && config != nullptr && out_worker != nullptr,
               "worker_path, config and out_worker must not be NULL");
  if (access(worker_path, X_OK) != 0)
    return fail(ET_ERR_FILE_NOT_FOUND, "the worker executable %s cannot be run: %s", worker_path, std::strerror(errno));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail(0x25, "socketpair: %s", std::strerror(errno));
  // The child's end away from 0..3, so dup2 onto 3 always clears its close-on-exec flag.
  int child = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
  close(sv[1]);
  if (child < 0) {
    close(sv[0]);
    return fail(0x25, "fcntl: %s", std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, child, et4j_ipc::kWorkerFd);
  std::string parent = std::to_string(getpid());
  char *argv[] = {const_cast<char *>(worker_path), const_cast<char *>(parent.c_str()), nullptr};
  std::string hooks = std::string(et4j_ipc::kDebugEnv) + "=1";
  char *envp_hooks[] = {const_cast<char *>(hooks.c_str()), nullptr};
  char *envp_none[] = {nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, worker_path, &fa, nullptr, argv, config->debug_hooks ? envp_hooks : envp_none);
  posix_spawn_file_actions_destroy(&fa);
  close(child);
  if (rc != 0) {
    close(sv[0]);
    return fail(ET_ERR_FILE_NOT_FOUND, "cannot start the worker %s: %s", worker_path, std::strerror(rc));
  }
  auto *w = new et_worker();
  w->pid = pid;
  w->sock = sv[0];
  w->timeout_ms = config->call_timeout_ms;
  w->config = *config;
  *out_worker = w;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_load(et_worker *w, const void *program, uint64_t size, int32_t verification,
                         const et_method_config *config, int64_t *out_num_methods) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && (program != nullptr || size == 0), "worker and program must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  ET4J_REQUIRE(w->io == nullptr, "a program is loaded in this worker already");
  et_method_config cfg = config ? *config : et_method_config_default();
  ET4J_REQUIRE(cfg.memory_policy == ET_MEMORY_AUTO && cfg.profiling == 0,
               "an isolated program uses AUTO memory and no profiling");
  int fd = static_cast<int>(syscall(SYS_memfd_create, "et4j-program", 1u /* MFD_CLOEXEC */));
  if (fd < 0) return fail(0x21, "memfd_create: %s", std::strerror(errno));
  bool ok = ftruncate(fd, static_cast<off_t>(size)) == 0;
  void *dst = ok && size ? mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : nullptr;
  if (!ok || dst == MAP_FAILED) {
    close(fd);
    return fail(0x21, "cannot share the program with the worker: %s", std::strerror(errno));
  }
  if (size) {
    std::memcpy(dst, program, size);
    munmap(dst, size);
  }
  et4j_ipc::Writer req;
  req.put<int32_t>(et4j_ipc::kLoad);
  req.put<int32_t>(verification);
  req.put<int32_t>(w->config.sandbox);
  req.put<int64_t>(w->config.memory_limit_bytes);
  req.put<int64_t>(w->config.cpu_limit_seconds);
  req.put<int32_t>(cfg.threads);
  req.put<int32_t>(cfg.xnnpack_weight_cache);
  req.put<int32_t>(cfg.xnnpack_workspace_sharing);
  req.put<int32_t>(cfg.warmup_runs);
  req.put<uint64_t>(size);
  int io_fd = -1;
  size_t n = worker_call(w, req, fd, &io_fd, "load");
  close(fd);
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) {
    if (io_fd >= 0) close(io_fd);
    return st;
  }
  int64_t count = r.get<int64_t>();
  uint64_t io_size = r.get<uint64_t>();
  for (int64_t m = 0; r.ok && m < count; m++) {
    et_worker::Method method;
    int64_t ni = r.get<int64_t>(), no = r.get<int64_t>();
    for (int64_t i = 0; r.ok && i < ni; i++) {
      uint64_t off = r.get<uint64_t>(), cap = r.get<uint64_t>();
      method.inputs.push_back({off, cap});
      std::array<uint8_t, ET_MAX_RANK> mask{};
      for (auto &b : mask) b = r.get<uint8_t>();
      method.masks.push_back(mask);
    }
    for (int64_t j = 0; r.ok && j < no; j++) {
      uint64_t off = r.get<uint64_t>(), cap = r.get<uint64_t>();
      method.outputs.push_back({off, cap});
    }
    w->methods.push_back(std::move(method));
  }
  if (!r.ok || io_fd < 0) {
    if (io_fd >= 0) close(io_fd);
    return fail(ET_ERR_INTERNAL, "malformed load reply from the worker");
  }
  void *io = mmap(nullptr, io_size, PROT_READ | PROT_WRITE, MAP_SHARED, io_fd, 0);
  close(io_fd);
  if (io == MAP_FAILED) return fail(0x21, "cannot map the worker's IO memory: %s", std::strerror(errno));
  for (const auto &m : w->methods) {
    for (const auto &s : m.inputs)
      if (s.offset + s.capacity > io_size) return fail(ET_ERR_INTERNAL, "worker slot outside its IO memory");
    for (const auto &s : m.outputs)
      if (s.offset + s.capacity > io_size) return fail(ET_ERR_INTERNAL, "worker slot outside its IO memory");
  }
  w->io = static_cast<uint8_t *>(io);
  w->io_size = io_size;
  if (out_num_methods) *out_num_methods = count;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_input_dynamic_dims(const et_worker *w, int64_t method, int64_t index, uint8_t *out_mask) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_mask != nullptr, "worker and out_mask must not be NULL");
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  ET4J_REQUIRE(index >= 0 && (size_t)index < m.masks.size(), "input %lld out of range", (long long)index);
  std::memcpy(out_mask, m.masks[index].data(), ET_MAX_RANK);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_input_slot(et_worker *w, int64_t method, int64_t index, void **out_data, uint64_t *out_capacity) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_data != nullptr && out_capacity != nullptr, "arguments must not be NULL");
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  ET4J_REQUIRE(index >= 0 && (size_t)index < m.inputs.size(), "input %lld out of range", (long long)index);
  *out_data = w->io + m.inputs[index].offset;
  *out_capacity = m.inputs[index].capacity;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_forward(et_worker *w, int64_t method, const et_tensor_input *inputs, int64_t num_inputs,
                            et_tensor_view *outputs, int64_t num_outputs, int64_t *out_elapsed_ns, const void *,
                            const void *, const void *, const void *) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr, "worker must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  if (num_inputs != static_cast<int64_t>(m.inputs.size()))
    return fail(ET_ERR_INPUT_MISMATCH, "expected %zu inputs, got %lld", m.inputs.size(), (long long)num_inputs);
  ET4J_REQUIRE(num_outputs == static_cast<int64_t>(m.outputs.size()), "expected room for %zu outputs, got %lld",
               m.outputs.size(), (long long)num_outputs);
  ET4J_REQUIRE(num_inputs == 0 || inputs != nullptr, "inputs must not be NULL");
  ET4J_REQUIRE(num_outputs == 0 || outputs != nullptr, "outputs must not be NULL");
  et4j_ipc::Writer req;
  req.buf.reserve(32 + num_inputs * (16 + 8 * ET_MAX_RANK));
  req.put<int32_t>(et4j_ipc::kForward);
  req.put<int64_t>(method);
  req.put<int64_t>(num_inputs);
  for (int64_t i = 0; i < num_inputs; i++) {
    const et_tensor_input &in = inputs[i];
    uint8_t *slot = w->io + m.inputs[i].offset;
    if (in.rank < 0 || in.rank > ET_MAX_RANK)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: rank %d is not in [0, %d]", (long long)i, in.rank, ET_MAX_RANK);
    if (in.nbytes > m.inputs[i].capacity)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: %llu bytes, more than its declared %llu", (long long)i,
                  (unsigned long long)in.nbytes, (unsigned long long)m.inputs[i].capacity);
    if (in.nbytes && in.data == nullptr) return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: data is NULL", (long long)i);
    if (in.data != slot && in.nbytes) std::memcpy(slot, in.data, in.nbytes);
    req.put<int32_t>(in.dtype);
    req.put<int32_t>(in.rank);
    for (int d = 0; d < ET_MAX_RANK; d++) req.put<int64_t>(d < in.rank ? in.sizes[d] : 0);
    req.put<uint64_t>(in.nbytes);
  }
  size_t n = worker_call(w, req, -1, nullptr, "forward");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) return st;
  int64_t elapsed = r.get<int64_t>();
  int64_t count = r.get<int64_t>();
  if (!r.ok || count != num_outputs) return fail(ET_ERR_INTERNAL, "malformed forward reply from the worker");
  for (int64_t j = 0; j < count; j++) {
    et_tensor_view &v = outputs[j];
    v.dtype = r.get<int32_t>();
    v.rank = r.get<int32_t>();
    for (int d = 0; d < ET_MAX_RANK; d++) v.sizes[d] = r.get<int64_t>();
    uint64_t nbytes = r.get<uint64_t>();
    if (!r.ok || nbytes > m.outputs[j].capacity || v.rank < 0 || v.rank > ET_MAX_RANK)
      return fail(ET_ERR_INTERNAL, "malformed forward reply from the worker");
    v.nbytes = static_cast<int64_t>(nbytes);
    v.data = w->io + m.outputs[j].offset;
  }
  if (out_elapsed_ns) *out_elapsed_ns = elapsed;
  return ET_OK;
  ET4J_GUARD_END
}

int32_t et_worker_pid(const et_worker *w) { return w ? static_cast<int32_t>(w->pid) : 0; }

et_status et_worker_debug_probe(et_worker *w, int32_t probe, int32_t *out_errno) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_errno != nullptr, "worker and out_errno must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  et4j_ipc::Writer req;
  req.put<int32_t>(et4j_ipc::kProbe);
  req.put<int32_t>(probe);
  size_t n = worker_call(w, req, -1, nullptr, "a debug probe");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) return st;
  *out_errno = r.get<int32_t>();
  return ET_OK;
  ET4J_GUARD_END
}

void et_worker_destroy(et_worker *w) {
  if (w == nullptr) return;
  try {
    if (w->pid != 0) {
      et4j_ipc::Writer req;
      req.put<int32_t>(et4j_ipc::kQuit);
      send(w->sock, req.buf.data(), req.buf.size(), MSG_NOSIGNAL);
      close(w->sock);
      w->sock = -1;
      worker_reap(w, ET_ERR_WORKER_CRASHED, "quit");
    }
    if (w->io) munmap(w->io, w->io_size);
    delete w;
  } catch (...) {
  }
}

#else  // not Linux: no worker

struct et_worker {};

et_status et_worker_start(const char *, const et_worker_config *, et_worker **) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux (memfd, seccomp)");
}
et_status et_worker_load(et_worker *, const void *, uint64_t, int32_t, const et_method_config *, int64_t *) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux");
}
et_status et_worker_input_dynamic_dims(const et_worker *, int64_t, int64_t, uint8_t *) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux");
}
et_status et_worker_input_slot(et_worker *, int64_t, int64_t, void **, uint64_t *) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux");
}
et_status et_worker_forward(et_worker *, int64_t, const et_tensor_input *, int64_t, et_tensor_view *, int64_t,
                            int64_t *, const void *, const void *, const void *, const void *) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux");
}
int32_t et_worker_pid(const et_worker *) { return 0; }
et_status et_worker_debug_probe(et_worker *, int32_t, int32_t *) {
  CallScope scope_;
  return fail(0x10, "isolated execution needs Linux");
}
void et_worker_destroy(et_worker *) {}
#endif
