// memory.cpp - the facade's allocators (AUTO, STATIC pool, CUSTOM callbacks), caller pools and
// the memory accounting behind et_runtime_live_bytes and et_method_memory_stats.
#include "internal.h"

#include <cstdlib>

namespace et4j {

std::atomic<int64_t> g_live_bytes{0};

namespace {

size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
bool is_pow2(size_t a) { return a != 0 && (a & (a - 1)) == 0; }

}  // namespace

void *FacadeAllocator::allocate(size_t size, size_t alignment) {
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

void *FacadeAllocator::pool_allocate(size_t size, size_t alignment) {
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

void FacadeAllocator::release_all() {
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

}  // namespace et4j

using namespace et4j;

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


int64_t et_runtime_live_bytes(void) { return g_live_bytes.load(); }

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
