// profile.cpp - per-operator profiling: an EventTracer that names each kernel and delegate call
// from the program and forwards everything to ETDumpGen, and the et_method_profile_* API.
#include "internal.h"

#include <executorch/devtools/etdump/etdump_flatcc.h>
#include <executorch/runtime/platform/platform.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

using executorch::runtime::AllocatorID;
using executorch::runtime::ChainID;
using executorch::runtime::DebugHandle;
using executorch::runtime::DelegateDebugIntId;
using executorch::runtime::EventTracerEntry;
using executorch::runtime::LoggedEValueType;

namespace et4j {

namespace {

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

// The tracer of a method loaded with profiling (et_method_load made it with make_profiler).
FacadeTracer *tracer_of(const et_method *method) { return static_cast<FacadeTracer *>(method->tracer.get()); }

}  // namespace

std::unique_ptr<EventTracer> make_profiler(DataLoader *loader, const char *method) {
  return std::make_unique<FacadeTracer>(read_instruction_names(loader, method));
}

}  // namespace et4j

using namespace et4j;

extern "C" {

et_status et_method_profile_count(const et_method *method, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_count != nullptr, "method and out_count must not be NULL");
  *out_count = method->tracer ? static_cast<int64_t>(tracer_of(method)->events().size()) : 0;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_method_profile_event(const et_method *method, int64_t index, et_profile_event *out_event) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(method != nullptr && out_event != nullptr, "method and out_event must not be NULL");
  ET4J_REQUIRE(method->tracer != nullptr, "profiling is off for this method");
  const auto &events = tracer_of(method)->events();
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
  executorch::etdump::ETDumpResult r = tracer_of(method)->etdump().get_etdump_data();
  if (r.buf == nullptr || r.size == 0) return fail(0x02, "the ETDump is empty: run the method first");
  *out_data = r.buf;
  *out_size = r.size;
  return ET_OK;
  ET4J_GUARD_END
}

void et_free(void *data) { std::free(data); }

}  // extern "C"
