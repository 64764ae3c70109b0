// method.cpp - loading a method on the chosen memory policy, setting inputs, executing
// (with warm-up and the thread-pool size) and reading outputs.
#include "internal.h"

#include <executorch/extension/threadpool/threadpool_guard.h>
#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <mutex>
#include <utility>

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

namespace et4j {

namespace {

// Resizing the shared pool while a method runs on it is unsafe: executes hold
// this shared, a resize holds it exclusive.
std::shared_mutex g_pool_mutex;

void apply_thread_count(int32_t threads) {
  if (threads <= 1) return;
  auto *pool = executorch::extension::threadpool::get_threadpool();
  if (pool == nullptr || pool->get_thread_count() == static_cast<size_t>(threads)) return;
  std::unique_lock<std::shared_mutex> lock(g_pool_mutex);
  pool->_unsafe_reset_threadpool(static_cast<uint32_t>(threads));
}

// Collects the word after each `marker` in the runtime log (after skipping to
// `skip_to`, if given): the operator or backend names the runtime reported.
std::string names_after(const std::string &log, const char *marker, const char *skip_to) {
  std::string names;
  for (size_t pos = log.find(marker); pos != std::string::npos; pos = log.find(marker, pos + 1)) {
    // A marker inside a word is not one: "Backend " also ends "OpenvinoBackend is ...".
    if (pos > 0 && std::isalnum(static_cast<unsigned char>(log[pos - 1]))) continue;
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

}  // namespace et4j

using namespace et4j;

extern "C" {

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
    m->tracer = make_profiler(program->loader.get(), method);
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
                              log.find("not available") != std::string::npos)) {
      // Registered backends, not a fixed list: optional ones (OpenVINO) are loaded on demand.
      std::string registered;
      for (size_t i = 0; i < executorch::runtime::get_num_registered_backends(); i++) {
        auto id = executorch::runtime::get_backend_name(i);
        if (!id.ok()) continue;
        registered += (registered.empty() ? "" : ", ") + std::string(id.get());
      }
      if (log.find("not registered") == std::string::npos)
        return fail(ET_ERR_BACKEND_UNAVAILABLE,
                    "method '%s' is delegated to backend %s, which is registered but reports itself "
                    "unavailable (its runtime or device is missing)",
                    method, backends.c_str());
      return fail(ET_ERR_BACKEND_UNAVAILABLE,
                  "method '%s' is delegated to backend %s, which this runtime does not include "
                  "(registered: %s)",
                  method, backends.c_str(), registered.empty() ? "none" : registered.c_str());
    }
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

et_status et_runtime_thread_count(int32_t *out_threads) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(out_threads != nullptr, "out_threads must not be NULL");
  ensure_runtime();
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

}  // extern "C"
