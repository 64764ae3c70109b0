// program_reader.cpp - a bounds-checked reader of the program flatbuffer, for what the runtime
// does not offer: index checks at load, segment and operator tables, the profiler's names.
#include "internal.h"

#include <cstdio>
#include <cstring>
#include <utility>

namespace et4j {

namespace {

// A bounds-checked reader for the few flatbuffer tables the facade reads
// (schema/program.fbs: Program.execution_plan[].{name, values, inputs, outputs,
// chains[].instructions, operators, delegates}, segments, constant_segment,
// named_data). The runtime reports kernels only by chain and instruction index;
// read_instruction_names maps those to "aten::convolution.out".
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

}  // namespace

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

}  // namespace et4j
