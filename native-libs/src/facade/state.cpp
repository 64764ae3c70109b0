// state.cpp - a method's state in its memory-planned buffers (an LLM's KV cache lives there):
// copied into another instance of the same method (a forked session), or cleared.
#include "internal.h"

#include <cstring>

using namespace et4j;

extern "C" {

et_status et_method_copy_state(et_method *dst, const et_method *src) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(dst != nullptr && src != nullptr, "dst and src must not be NULL");
  ET4J_REQUIRE(dst != src, "dst and src are the same method");
  ET4J_REQUIRE(dst->method.has_value() && src->method.has_value(), "a method is not loaded");
  // Same program and same method: then the planned buffers have the same layout, so a byte copy
  // carries every mutable buffer (and the activations, which the next execute overwrites).
  ET4J_REQUIRE(dst->owner == src->owner, "dst and src belong to different programs");
  const char *dname = dst->method->method_meta().name();
  const char *sname = src->method->method_meta().name();
  ET4J_REQUIRE(std::strcmp(dname, sname) == 0, "dst is method '%s', src is method '%s'", dname, sname);
  ET4J_REQUIRE(dst->planned_spans.size() == src->planned_spans.size(), "planned buffer counts differ");
  for (size_t i = 0; i < src->planned_spans.size(); i++) {
    ET4J_REQUIRE(dst->planned_spans[i].size() == src->planned_spans[i].size(),
                 "planned buffer %zu sizes differ", i);
  }
  for (size_t i = 0; i < src->planned_spans.size(); i++) {
    if (src->planned_spans[i].size() > 0)
      std::memcpy(dst->planned_spans[i].data(), src->planned_spans[i].data(), src->planned_spans[i].size());
  }
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_clear_state(et_method *method) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr, "method must not be NULL");
  for (auto &span : method->planned_spans) {
    if (span.size() > 0) std::memset(span.data(), 0, span.size());
  }
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"
