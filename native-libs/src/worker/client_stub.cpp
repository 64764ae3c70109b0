// client_stub.cpp - et_worker_* where isolated execution is not available (every platform but
// Linux): each call fails with NotSupported through the facade's usual last error.
#include "../facade/internal.h"

using namespace et4j;

struct et_worker {};

namespace {

et_status unsupported(const char *why = "isolated execution needs Linux") {
  CallScope scope;  // a fresh last error, as every entry point has
  return fail(0x10, "%s", why);
}

}  // namespace

extern "C" {

et_status et_worker_start(const char *, const et_worker_config *, et_worker **) {
  return unsupported("isolated execution needs Linux (memfd, seccomp)");
}
et_status et_worker_load(et_worker *, const void *, uint64_t, int32_t, const et_method_config *, int64_t *) {
  return unsupported();
}
et_status et_worker_input_dynamic_dims(const et_worker *, int64_t, int64_t, uint8_t *) {
  return unsupported();
}
et_status et_worker_input_slot(et_worker *, int64_t, int64_t, void **, uint64_t *) {
  return unsupported();
}
et_status et_worker_forward(et_worker *, int64_t, const et_tensor_input *, int64_t, et_tensor_view *, int64_t,
                            int64_t *) {
  return unsupported();
}
int32_t et_worker_pid(const et_worker *) { return 0; }
et_status et_worker_debug_probe(et_worker *, int32_t, int32_t *) {
  return unsupported();
}
void et_worker_destroy(et_worker *) {}

}  // extern "C"
