// Sanitizer test of the et4j facade (ASan + LSan + UBSan, no fuzzer).
// For every .pte given on the command line: load it through each loader
// (file, mmap, buffer, stream callback), and under each memory policy (AUTO,
// STATIC, CUSTOM) load every method, run it 100 times on zeros, read the
// outputs, destroy everything. At the end et_runtime_live_bytes() must be 0
// and the CUSTOM allocator must have freed every block it handed out.
// Methods the runtime cannot load for want of an operator or a backend
// (custom_op.pte, unknown_backend.pte) are expected failures, not errors.
#include "et4j.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace {
int g_failures = 0;
constexpr int kRuns = 100;

#define CHECK(cond, ...)                                  \
  do {                                                    \
    if (!(cond)) {                                        \
      std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      std::fprintf(stderr, __VA_ARGS__);                  \
      std::fprintf(stderr, " [%s]\n", et_last_error());   \
      g_failures++;                                       \
    }                                                     \
  } while (0)

struct CustomCounts {
  int64_t allocs = 0, frees = 0, live_bytes = 0;
};

void *custom_alloc(void *ud, uint64_t size, uint64_t alignment) {
  auto *c = static_cast<CustomCounts *>(ud);
  if (alignment < sizeof(void *)) alignment = sizeof(void *);
  void *p = nullptr;
  if (posix_memalign(&p, alignment, size == 0 ? 1 : size) != 0) return nullptr;
  c->allocs++;
  c->live_bytes += (int64_t)size;
  return p;
}

void custom_free(void *ud, void *ptr, uint64_t size) {
  auto *c = static_cast<CustomCounts *>(ud);
  c->frees++;
  c->live_bytes -= (int64_t)size;
  std::free(ptr);
}

struct Stream {
  std::vector<uint8_t> bytes;
};

int64_t stream_read(void *ud, uint64_t offset, void *dst, uint64_t size) {
  auto *s = static_cast<Stream *>(ud);
  if (offset > s->bytes.size() || size > s->bytes.size() - offset) return -1;
  std::memcpy(dst, s->bytes.data() + offset, size);
  return (int64_t)size;
}


enum Loader { kFile, kMmap, kBuffer, kStream };
const char *kLoaderNames[] = {"file", "mmap", "buffer", "stream"};
const char *kPolicyNames[] = {"AUTO", "STATIC", "CUSTOM"};

et_status load_program(Loader how, const std::string &path, const std::vector<uint8_t> &bytes,
                       Stream *stream, et_program **out) {
  switch (how) {
    case kFile: return et_program_load_file(path.c_str(), ET_LOAD_FILE, ET_VERIFY_INTERNAL_CONSISTENCY, out);
    case kMmap: return et_program_load_file(path.c_str(), ET_LOAD_MMAP, ET_VERIFY_INTERNAL_CONSISTENCY, out);
    case kBuffer: {
      // A copy freed right after the call: the facade must have its own.
      std::vector<uint8_t> tmp = bytes;
      et_status st = et_program_load_buffer(tmp.data(), tmp.size(), ET_VERIFY_INTERNAL_CONSISTENCY, out);
      std::fill(tmp.begin(), tmp.end(), 0xAB);
      return st;
    }
    case kStream:
      stream->bytes = bytes;
      return et_program_load_stream(stream_read, stream, bytes.size(), ET_VERIFY_INTERNAL_CONSISTENCY, out);
  }
  return -1;
}

// Sets zero inputs of the declared shapes; false if some input cannot be fed.
bool set_zero_inputs(et_program *p, const char *name, et_method *m, int64_t num_inputs,
                     std::vector<std::vector<uint8_t>> &buffers) {
  for (int64_t i = 0; i < num_inputs; i++) {
    et_tensor_info ti{};
    et_status st = et_program_tensor_info(p, name, 0, i, &ti);
    CHECK(st == ET_OK, "%s input %lld tensor_info -> 0x%x", name, (long long)i, st);
    if (st != ET_OK || ti.kind != 1) return false;
    size_t es = et_dtype_size(ti.dtype);
    if (es == 0) return false;
    int64_t sizes[ET_MAX_RANK];
    uint64_t numel = 1;
    for (int d = 0; d < ti.rank; d++) numel *= (uint64_t)(sizes[d] = ti.sizes[d]);
    buffers.emplace_back(numel * es == 0 ? 1 : numel * es, 0);
    st = et_method_set_input(m, i, ti.dtype, sizes, ti.rank, buffers.back().data(), numel * es);
    CHECK(st == ET_OK, "%s set_input %lld -> 0x%x", name, (long long)i, st);
    if (st != ET_OK) return false;
  }
  return true;
}

struct Totals {
  int methods_run = 0, executes = 0, expected_skips = 0;
};

// Loads one method with `cfg`, runs it kRuns times; returns its memory stats
// after the first execute through *stats (if given).
void run_method(et_program *p, const char *name, const et_method_config &cfg, const std::string &what,
                et_memory_stats *stats, Totals &t) {
  et_method_info info{};
  et_status st = et_program_method_info(p, name, &info);
  CHECK(st == ET_OK, "%s: method_info -> 0x%x", what.c_str(), st);
  if (st != ET_OK) return;
  et_method *m = nullptr;
  st = et_method_load(p, name, &cfg, &m);
  if (st == ET_ERR_OPERATOR_MISSING || st == ET_ERR_BACKEND_UNAVAILABLE) {
    t.expected_skips++;
    return;
  }
  CHECK(st == ET_OK, "%s: method_load -> 0x%x", what.c_str(), st);
  if (st != ET_OK) return;
  std::vector<std::vector<uint8_t>> buffers;
  if (set_zero_inputs(p, name, m, info.num_inputs, buffers)) {
    t.methods_run++;
    for (int k = 0; k < kRuns; k++) {
      st = et_method_execute(m, nullptr);
      CHECK(st == ET_OK, "%s: execute #%d -> 0x%x", what.c_str(), k, st);
      if (st != ET_OK) break;
      t.executes++;
      for (int64_t j = 0; j < info.num_outputs; j++) {
        et_tensor_view v{};
        st = et_method_output(m, j, &v);
        if (st == ET_ERR_UNSUPPORTED_VALUE) continue;
        CHECK(st == ET_OK, "%s: output %lld -> 0x%x", what.c_str(), (long long)j, st);
        if (st == ET_OK && v.nbytes > 0) {
          volatile uint8_t sink = static_cast<uint8_t *>(v.data)[0];
          sink = static_cast<uint8_t *>(v.data)[v.nbytes - 1];
          (void)sink;
        }
      }
      if (k == 0 && stats) {
        st = et_method_memory_stats(m, stats);
        CHECK(st == ET_OK, "%s: memory_stats -> 0x%x", what.c_str(), st);
      }
    }
  } else {
    std::printf("  %s: inputs not all tensors, not executed\n", what.c_str());
  }
  et_method_destroy(m);
}

void test_file(const std::string &path, CustomCounts &custom, Totals &t) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(!bytes.empty(), "cannot read %s", path.c_str());
  if (bytes.empty()) return;
  std::map<std::string, uint64_t> pool_bytes;  // per method, from the first AUTO run
  for (int how = kFile; how <= kStream; how++) {
    for (int policy = ET_MEMORY_AUTO; policy <= ET_MEMORY_CUSTOM; policy++) {
      Stream stream;
      et_program *p = nullptr;
      et_status st = load_program((Loader)how, path, bytes, &stream, &p);
      CHECK(st == ET_OK, "%s via %s: load -> 0x%x", path.c_str(), kLoaderNames[how], st);
      if (st != ET_OK) continue;
      int64_t n = 0;
      et_program_method_count(p, &n);
      for (int64_t i = 0; i < n; i++) {
        char name[256];
        int64_t len = 0;
        et_program_method_name(p, i, name, sizeof name, &len);
        std::string what = path + " [" + kLoaderNames[how] + "/" + kPolicyNames[policy] + "] " + name;
        et_method_config cfg = et_method_config_default();
        cfg.memory_policy = policy;
        void *pool_mem = nullptr;
        et_pool *pool = nullptr;
        if (policy == ET_MEMORY_AUTO && pool_bytes.count(name) == 0) {
          et_memory_stats ms{};
          run_method(p, name, cfg, what, &ms, t);
          pool_bytes[name] = (uint64_t)(ms.planned_bytes + ms.method_bytes + ms.temp_peak_bytes) * 2 + 65536;
          continue;
        }
        if (policy == ET_MEMORY_STATIC) {
          uint64_t size = pool_bytes.count(name) ? pool_bytes[name] : (1u << 20);
          size = (size + 63) / 64 * 64;
          pool_mem = std::aligned_alloc(64, size);
          st = et_pool_create(pool_mem, size, &pool);
          CHECK(st == ET_OK, "%s: pool_create(%llu) -> 0x%x", what.c_str(), (unsigned long long)size, st);
          cfg.pool = pool;
        } else if (policy == ET_MEMORY_CUSTOM) {
          cfg.alloc = custom_alloc;
          cfg.free = custom_free;
          cfg.alloc_userdata = &custom;
        }
        run_method(p, name, cfg, what, nullptr, t);
        if (pool) {
          int64_t size = 0, used = 0, peak = 0;
          et_pool_stats(pool, &size, &used, &peak);
          CHECK(used == 0, "%s: pool still has %lld bytes in use after destroy", what.c_str(), (long long)used);
        }
        et_pool_destroy(pool);
        std::free(pool_mem);
      }
      et_program_destroy(p);
      CHECK(et_runtime_live_bytes() == 0, "%s via %s/%s: live bytes %lld after destroy", path.c_str(),
            kLoaderNames[how], kPolicyNames[policy], (long long)et_runtime_live_bytes());
    }
  }
}
}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s model.pte...\n", argv[0]);
    return 2;
  }
  CustomCounts custom;
  Totals t;
  for (int i = 1; i < argc; i++) {
    std::printf("%s\n", argv[i]);
    std::fflush(stdout);
    test_file(argv[i], custom, t);
  }
  CHECK(et_runtime_live_bytes() == 0, "et_runtime_live_bytes() = %lld at exit", (long long)et_runtime_live_bytes());
  CHECK(custom.allocs == custom.frees && custom.live_bytes == 0,
        "CUSTOM allocator: %lld blocks allocated, %lld freed, %lld bytes outstanding", (long long)custom.allocs,
        (long long)custom.frees, (long long)custom.live_bytes);
  std::printf("method loads run: %d, executes: %d, expected skips (missing operator/backend): %d\n",
              t.methods_run, t.executes, t.expected_skips);
  std::printf("CUSTOM blocks allocated %lld, freed %lld; live bytes %lld\n", (long long)custom.allocs,
              (long long)custom.frees, (long long)et_runtime_live_bytes());
  std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "OK", g_failures);
  return g_failures ? 1 : 0;
}
