// libFuzzer target for the et4j facade: treats the input as a .pte, loads it
// with full verification, then loads every method, feeds zeros of the declared
// shapes, executes and reads the outputs, and destroys everything.
// Inputs whose last byte is odd load their methods from a 64 KiB STATIC pool
// instead of ET_MEMORY_AUTO; those whose last byte has bit 1 set are streamed
// through the read callback (the facade's cached-head loader) instead of copied.
#include "et4j.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
constexpr uint64_t kPoolBytes = 64 * 1024;
constexpr uint64_t kMaxInputBytes = 1u << 20;


void run_method(et_program *p, const char *name, const et_method_config &cfg) {
  et_method_info info{};
  if (et_program_method_info(p, name, &info) != ET_OK) return;
  et_method *m = nullptr;
  if (et_method_load(p, name, &cfg, &m) != ET_OK) return;
  std::vector<std::vector<uint8_t>> buffers;  // must outlive execute (non-planned inputs)
  for (int64_t i = 0; i < info.num_inputs; i++) {
    et_tensor_info ti{};
    if (et_program_tensor_info(p, name, 0, i, &ti) != ET_OK || ti.kind != 1) continue;
    size_t es = et_dtype_size(ti.dtype);
    if (es == 0) continue;
    uint64_t numel = 1;
    int64_t sizes[ET_MAX_RANK];
    bool ok = true;
    for (int32_t d = 0; d < ti.rank; d++) {
      sizes[d] = ti.sizes[d];
      if (ti.sizes[d] < 0) { ok = false; break; }
      if (ti.sizes[d] != 0 && numel > kMaxInputBytes / (uint64_t)ti.sizes[d]) { ok = false; break; }
      numel *= (uint64_t)ti.sizes[d];
    }
    if (!ok || numel * es > kMaxInputBytes) continue;
    buffers.emplace_back(numel * es == 0 ? 1 : numel * es, 0);
    et_method_set_input(m, i, ti.dtype, sizes, ti.rank, buffers.back().data(), numel * es);
  }
  if (et_method_execute(m, nullptr) == ET_OK) {
    for (int64_t j = 0; j < info.num_outputs; j++) {
      et_tensor_view v{};
      if (et_method_output(m, j, &v) == ET_OK && v.data != nullptr && v.nbytes > 0) {
        // Touch the first and last byte so ASan checks the view's extent.
        volatile uint8_t sink = static_cast<uint8_t *>(v.data)[0];
        sink = static_cast<uint8_t *>(v.data)[v.nbytes - 1];
        (void)sink;
      }
    }
  }
  et_memory_stats st{};
  et_method_memory_stats(m, &st);
  et_method_destroy(m);
}
struct Source {
  const uint8_t *data;
  size_t size;
};

int64_t read_source(void *userdata, uint64_t offset, void *dst, uint64_t n) {
  const Source *s = static_cast<const Source *>(userdata);
  if (offset > s->size || n > s->size - offset) return -1;
  std::memcpy(dst, s->data + offset, n);
  return static_cast<int64_t>(n);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  et_program *p = nullptr;
  Source source{data, size};  // outlives the program: streamed methods read it at load
  bool stream = size > 0 && (data[size - 1] & 2);
  et_status loaded = stream ? et_program_load_stream(read_source, &source, size, ET_VERIFY_INTERNAL_CONSISTENCY, &p)
                            : et_program_load_buffer(data, size, ET_VERIFY_INTERNAL_CONSISTENCY, &p);
  if (loaded != ET_OK) return 0;
  int64_t segments = 0;
  if (et_program_segment_count(p, &segments) == ET_OK) {
    for (int64_t i = 0; i < segments; i++) {
      et_segment_info info{};
      if (et_program_segment(p, i, &info) != ET_OK || info.name[sizeof info.name - 1] != '\0') __builtin_trap();
    }
  }
  bool use_pool = size > 0 && (data[size - 1] & 1);
  void *pool_mem = nullptr;
  et_pool *pool = nullptr;
  et_method_config cfg = et_method_config_default();
  if (use_pool) {
    pool_mem = std::aligned_alloc(64, kPoolBytes);
    if (pool_mem && et_pool_create(pool_mem, kPoolBytes, &pool) == ET_OK) {
      cfg.memory_policy = ET_MEMORY_STATIC;
      cfg.pool = pool;
    }
  }
  int64_t n = 0;
  if (et_program_method_count(p, &n) == ET_OK) {
    for (int64_t i = 0; i < n && i < 64; i++) {
      char name[256];
      int64_t len = 0;
      if (et_program_method_name(p, i, name, sizeof name, &len) != ET_OK) continue;
      if (len >= (int64_t)sizeof name) continue;  // truncated: would not match
      run_method(p, name, cfg);
    }
  }
  et_program_destroy(p);
  et_pool_destroy(pool);
  std::free(pool_mem);
  if (et_runtime_live_bytes() != 0) {
    // Every program and method is gone: the facade must hold nothing.
    __builtin_trap();
  }
  return 0;
}
