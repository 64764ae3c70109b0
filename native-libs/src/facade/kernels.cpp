// kernels.cpp - caller-registered kernels (et_kernel_register and their trampolines), native
// operator libraries, and the runtime's kernel and backend registries.
#include "internal.h"

#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

struct et_kernel_call {
  const char *op;
  Span<EValue *> stack;
  et_kernel_value *values;
};

namespace et4j {

std::shared_mutex g_registry_mutex;

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

}  // namespace et4j

using namespace et4j;

extern "C" {

et_status et_kernel_register(const char *op_name, et_kernel_fn fn, void *userdata) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
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
  ensure_runtime();
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
  ensure_runtime();
  ET4J_REQUIRE(out_count != nullptr, "out_count must not be NULL");
  std::shared_lock<std::shared_mutex> lock(g_registry_mutex);
  *out_count = static_cast<int64_t>(executorch::runtime::get_registered_kernels().size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_kernel_name(int64_t index, char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
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
  ensure_runtime();
  ET4J_REQUIRE(out_count != nullptr, "out_count must not be NULL");
  *out_count = static_cast<int64_t>(executorch::runtime::get_num_registered_backends());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_runtime_backend_name(int64_t index, char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
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
    ensure_runtime();
    std::shared_lock<std::shared_mutex> lock(g_registry_mutex);
    *out_registered = registry_has_name(name.c_str()) ? 1 : 0;
  }
  return ET_OK;
  ET4J_GUARD_END
}

int32_t et_backend_available(const char *backend_id) {
  if (backend_id == nullptr) return 0;
  ensure_runtime();
  return executorch::runtime::get_backend_class(backend_id) != nullptr ? 1 : 0;
}

}  // extern "C"
