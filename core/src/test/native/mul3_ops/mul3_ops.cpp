// executorch4j_test::mul3.out(Tensor x, *, Tensor(a!) out) -> Tensor(a!): out = x * 3, for
// float32 and float64. A boxed kernel written directly against ExecuTorch's registry API; its
// static registrar runs when the library is loaded.
#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>

namespace {

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::EValue;
using executorch::runtime::Kernel;
using executorch::runtime::KernelRuntimeContext;
using executorch::runtime::Span;

template <typename T>
void times3(const Tensor &x, Tensor &out) {
  const T *in = x.const_data_ptr<T>();
  T *o = out.mutable_data_ptr<T>();
  for (ssize_t i = 0; i < x.numel(); i++) o[i] = in[i] * T(3);
}

// The emitter passes (x, out, return value), the return value being the out argument.
void mul3_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
  if (stack.size() != 3 || !stack[0]->isTensor() || !stack[1]->isTensor()) {
    ctx.fail(Error::InvalidProgram);
    return;
  }
  const Tensor &x = stack[0]->toTensor();
  Tensor out = stack[1]->toTensor();
  if (x.scalar_type() != out.scalar_type() ||
      executorch::runtime::resize_tensor(out, x.sizes()) != Error::Ok) {
    ctx.fail(Error::InvalidArgument);
    return;
  }
  switch (x.scalar_type()) {
    case ScalarType::Float: times3<float>(x, out); break;
    case ScalarType::Double: times3<double>(x, out); break;
    default: ctx.fail(Error::InvalidArgument);
  }
}

const Error registered = executorch::runtime::register_kernel(Kernel("executorch4j_test::mul3.out", mul3_out));

}  // namespace
