// Sanitizer test of the et4j facade (ASan + LSan + UBSan, no fuzzer).
// For every .pte given on the command line: load it through each loader
// (file, mmap, buffer, stream callback), and under each memory policy (AUTO,
// STATIC, CUSTOM) load every method, run it 100 times on zeros, read the
// outputs, destroy everything. At the end et_runtime_live_bytes() must be 0
// and the CUSTOM allocator must have freed every block it handed out.
// Nothing is skipped silently:
//   --require-backend ID      fails unless delegate backend ID is registered
//                             (run.sh: XnnpackBackend, so a build without
//                             XNNPACK cannot pass over the XNNPACK fixtures);
//   --expect-error FILE=ERR   every method of the file named FILE (base name)
//                             must fail to load with ERR (operator_missing or
//                             backend_unavailable); any other file whose method
//                             fails to load, or that runs no method, fails;
//   --reject FILE...          every FILE after it must be refused with an
//                             error (at program load, method info, method
//                             load, set_input or execute; by every loader),
//                             leaving et_runtime_live_bytes() at 0: the
//                             fuzz/crashers rows marked rejected-at-load.
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
  int methods_run = 0, executes = 0, expected_skips = 0, rejected = 0;
};

// Expected load errors by file base name (--expect-error); how often each was seen.
std::map<std::string, et_status> g_expected_error;
std::map<std::string, int> g_expected_seen;
std::string g_current;  // base name of the file under test

std::string base_name(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

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
  auto expected = g_expected_error.find(g_current);
  if (expected != g_expected_error.end()) {
    CHECK(st == expected->second, "%s: method_load -> 0x%x, expected 0x%x", what.c_str(), st, expected->second);
    if (st == ET_OK) et_method_destroy(m);
    if (st == expected->second) {
      t.expected_skips++;
      g_expected_seen[g_current]++;
    }
    return;
  }
  CHECK(st == ET_OK, "%s: method_load -> 0x%x", what.c_str(), st);
  if (st != ET_OK) return;
  std::vector<std::vector<uint8_t>> buffers;
  if (set_zero_inputs(p, name, m, info.num_inputs, buffers)) {
    t.methods_run++;
    for (int k = 0; k < kRuns; k++) {
      // Inputs again before every execute: planned input buffers may hold intermediates now.
      if (k > 0 && !set_zero_inputs(p, name, m, info.num_inputs, buffers)) break;
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

std::vector<uint8_t> read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(!bytes.empty(), "cannot read %s", path.c_str());
  return bytes;
}

// A program the facade must refuse with an error (the crashers marked
// rejected-at-load: the JVM's ExecuTorchModel.load/methodMeta/execute throws):
// through every loader, load it, then for every method read its info, load it,
// feed zeros (inputs over 2^24 elements count as refused, as in the JVM's
// check) and execute, stopping at the first error. Some step must fail with an
// error message, and nothing may stay allocated afterwards.
void test_reject(const std::string &path, Totals &t) {
  std::vector<uint8_t> bytes = read_bytes(path);
  if (bytes.empty()) return;
  for (int how = kFile; how <= kStream; how++) {
    Stream stream;
    et_program *p = nullptr;
    std::string step = "program load";
    et_status st = load_program((Loader)how, path, bytes, &stream, &p);
    if (st == ET_OK) {
      int64_t n = 0;
      st = et_program_method_count(p, &n);
      for (int64_t i = 0; st == ET_OK && i < n; i++) {
        char name[256];
        int64_t len = 0;
        step = "method name";
        if ((st = et_program_method_name(p, i, name, sizeof name, &len)) != ET_OK) break;
        step = std::string("method_info ") + name;
        et_method_info info{};
        if ((st = et_program_method_info(p, name, &info)) != ET_OK) break;
        bool too_big = false;
        for (int64_t k = 0; k < info.num_inputs && st == ET_OK; k++) {
          et_tensor_info ti{};
          step = std::string("tensor_info ") + name;
          st = et_program_tensor_info(p, name, 0, k, &ti);
          uint64_t numel = 1;
          for (int d = 0; st == ET_OK && d < ti.rank; d++) numel *= (uint64_t)ti.sizes[d];
          if (st == ET_OK && (ti.kind != 1 || numel > (1u << 24))) too_big = true;
        }
        if (st != ET_OK) break;
        if (too_big) {
          step = std::string("inputs of ") + name + " (not tensors or over 2^24 elements)";
          st = ET_ERR_UNSUPPORTED_VALUE;
          break;
        }
        et_method_config cfg = et_method_config_default();
        et_method *m = nullptr;
        step = std::string("method_load ") + name;
        if ((st = et_method_load(p, name, &cfg, &m)) != ET_OK) break;
        std::vector<std::vector<uint8_t>> buffers;
        step = std::string("set_input ") + name;
        for (int64_t k = 0; k < info.num_inputs && st == ET_OK; k++) {
          et_tensor_info ti{};
          et_program_tensor_info(p, name, 0, k, &ti);
          int64_t sizes[ET_MAX_RANK];
          uint64_t numel = 1;
          for (int d = 0; d < ti.rank; d++) numel *= (uint64_t)(sizes[d] = ti.sizes[d]);
          size_t es = et_dtype_size(ti.dtype);
          buffers.emplace_back(numel * es == 0 ? 1 : numel * es, 0);
          st = et_method_set_input(m, k, ti.dtype, sizes, ti.rank, buffers.back().data(), numel * es);
        }
        if (st == ET_OK) {
          step = std::string("execute ") + name;
          st = et_method_execute(m, nullptr);
        }
        if (st != ET_OK && et_last_error()[0] == 0)
          CHECK(false, "%s via %s: %s failed without a message", path.c_str(), kLoaderNames[how], step.c_str());
        et_method_destroy(m);
      }
      et_program_destroy(p);
    } else {
      CHECK(p == nullptr, "%s via %s: rejected but a program was returned", path.c_str(), kLoaderNames[how]);
    }
    CHECK(st != ET_OK, "%s via %s: loaded and ran; it must be refused with an error", path.c_str(), kLoaderNames[how]);
    if (st != ET_OK) {
      t.rejected++;
      if (how == kFile) std::printf("  refused at %s (0x%x)\n", step.c_str(), st);
    }
    CHECK(et_runtime_live_bytes() == 0, "%s via %s: live bytes %lld after refusing it", path.c_str(),
          kLoaderNames[how], (long long)et_runtime_live_bytes());
  }
}

void test_file(const std::string &path, CustomCounts &custom, Totals &t) {
  std::vector<uint8_t> bytes = read_bytes(path);
  if (bytes.empty()) return;
  g_current = base_name(path);
  int runs_before = t.methods_run;
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
  if (g_expected_error.count(g_current) == 0)
    CHECK(t.methods_run > runs_before, "%s: no method was executed", path.c_str());
}

bool parse_error(const std::string &name, et_status *out) {
  if (name == "operator_missing") *out = ET_ERR_OPERATOR_MISSING;
  else if (name == "backend_unavailable") *out = ET_ERR_BACKEND_UNAVAILABLE;
  else return false;
  return true;
}
}  // namespace

int main(int argc, char **argv) {
  const char *usage =
      "usage: %s [--require-backend ID]... [--expect-error FILE=operator_missing|backend_unavailable]...\n"
      "          model.pte... [--reject program...]\n";
  CustomCounts custom;
  Totals t;
  std::vector<std::string> required_backends;
  bool rejecting = false;
  int files = 0;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--require-backend" || a == "--expect-error") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, usage, argv[0]);
        return 2;
      }
      std::string v = argv[++i];
      if (a == "--require-backend") {
        required_backends.push_back(v);
        continue;
      }
      size_t eq = v.find('=');
      et_status code;
      if (eq == std::string::npos || !parse_error(v.substr(eq + 1), &code)) {
        std::fprintf(stderr, usage, argv[0]);
        return 2;
      }
      g_expected_error[v.substr(0, eq)] = code;
      continue;
    }
    if (a == "--reject") {
      rejecting = true;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, usage, argv[0]);
      return 2;
    }
    files++;
    std::printf("%s%s\n", rejecting ? "reject: " : "", argv[i]);
    std::fflush(stdout);
    if (rejecting) test_reject(a, t);
    else test_file(a, custom, t);
  }
  if (files == 0) {
    std::fprintf(stderr, usage, argv[0]);
    return 2;
  }
  for (const auto &b : required_backends)
    CHECK(et_backend_available(b.c_str()) != 0, "backend %s is not registered in this build", b.c_str());
  for (const auto &e : g_expected_error)
    CHECK(g_expected_seen[e.first] > 0, "%s: expected method loads to fail with 0x%x; it was not tested or never failed",
          e.first.c_str(), e.second);
  CHECK(et_runtime_live_bytes() == 0, "et_runtime_live_bytes() = %lld at exit", (long long)et_runtime_live_bytes());
  CHECK(custom.allocs == custom.frees && custom.live_bytes == 0,
        "CUSTOM allocator: %lld blocks allocated, %lld freed, %lld bytes outstanding", (long long)custom.allocs,
        (long long)custom.frees, (long long)custom.live_bytes);
  std::printf("method loads run: %d, executes: %d, expected load errors (missing operator/backend): %d, "
              "programs refused: %d\n", t.methods_run, t.executes, t.expected_skips, t.rejected);
  std::printf("CUSTOM blocks allocated %lld, freed %lld; live bytes %lld\n", (long long)custom.allocs,
              (long long)custom.frees, (long long)et_runtime_live_bytes());
  std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "OK", g_failures);
  return g_failures ? 1 : 0;
}
