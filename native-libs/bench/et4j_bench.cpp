// et4j_bench: the C++ peer of bench/ - runs a model's `forward` through the
// SAME facade (libet4j.so, C API of native-libs/include/et4j.h) the Java
// library calls, with no JVM in between.
//
//   et4j_bench MODEL.pte [--iterations N] [--warmup W] [--load-repeats R]
//              [--max-seconds S] [--threads T] [--inputs F1,F2,...]
//              [--golden G1,G2,... [--atol A] [--rtol R]]
//              [--workspace-sharing M] [--serve]
//
// --max-seconds stops the timed loop early (after at least one iteration) so
// slow models fit a time budget; "iterations" in the output is the count run.
// --threads sets et_method_config.threads (XNNPACK / optimized-kernel pool) when
// the facade has that field; without it the method loads with defaults (NULL).
// One timed iteration = what ExecuTorchModel.forward(Tensor...) does natively:
// et_method_set_input for every input (preallocated, seeded values of the
// declared dtype/shape), et_method_execute, et_method_output for every output.
// --inputs reads input i from file i instead (raw little-endian C-order data of
// the method's declared dtype and shape; the size must match). --golden compares
// output j, after the first run, with file j (raw, the output's dtype): output j
// passes iff max|out - golden| <= atol + rtol * max|golden| (default atol = rtol
// = 1e-3); "ok" is true iff every output passes, "max_abs_err" is the largest
// difference over all outputs (the model zoo, bench/zoo.sh; issue 17).
// Prints one JSON line:
//   {"model":..,"mean_us":..,"p50_us":..,"p90_us":..,"p99_us":..,"load_ms":..,
//    "peak_rss_mb":..,"max_abs_err":..,"ok":..,"runtime":"cpp",...}
// peak_rss_mb is getrusage(RUSAGE_SELF).ru_maxrss at the end (all loads and
// runs); max_abs_err and ok are null without --golden. Exit status 3 (after the
// line) when an output fails the check.
// load_ms = et_program_load_file (mmap, full InternalConsistency verification,
// as the Java default) + et_method_load("forward"), median of R loads (the first
// load, which may include page faults of a cold file, is first_load_ms).
// --workspace-sharing sets et_method_config.xnnpack_workspace_sharing (-1 the
// wheel's default, 0 off, 1 per model as the Java library's levels, 2 global).
// --serve (bench/zoo/parity.py): after the check and the warm-up, prints the JSON
// line with "serving":true instead of timing, then answers each stdin line "N"
// with one line of N per-iteration times "TOTAL:EXECUTE" in microseconds (EXECUTE
// = et_method_execute's elapsed_ns), until "q" or EOF.
#include "et4j.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <sys/resource.h>
#include <vector>
#include <time.h>

namespace {

double now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

[[noreturn]] void die(const std::string &what, et_status s) {
  std::fprintf(stderr, "et4j_bench: %s failed (status 0x%x): %s\n", what.c_str(), (unsigned)s,
               et_last_error());
  std::exit(1);
}

void check(et_status s, const std::string &what) {
  if (s != ET_OK) die(what, s);
}

[[noreturn]] void usage(const char *msg) {
  std::fprintf(stderr,
               "et4j_bench: %s\nusage: et4j_bench MODEL.pte [--iterations N] [--warmup W] "
               "[--load-repeats R] [--max-seconds S] [--threads T]\n"
               "       [--inputs F1,F2,...] [--golden G1,G2,... [--atol A] [--rtol R]]\n",
               msg);
  std::exit(2);
}

uint16_t to_half(float f) {  // round-to-nearest-even float -> IEEE binary16
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (exp <= 0) {
    if (exp < -10) return (uint16_t)sign;
    mant |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - exp);
    uint32_t h = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;
    return (uint16_t)(sign | h);
  }
  if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
  uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
  return (uint16_t)h;
}

struct Input {
  int32_t dtype;
  int32_t rank;
  int64_t sizes[ET_MAX_RANK];
  std::vector<unsigned char> data;
};

// Seeded values in [-1, 1) (ints: [-100, 100), bool: v > 0) of the declared dtype.
void fill(Input &in, int64_t numel, std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  unsigned char *p = in.data.data();
  for (int64_t i = 0; i < numel; i++) {
    double v = u(rng);
    switch (in.dtype) {
      case 6: { float f = (float)v; std::memcpy(p + 4 * i, &f, 4); break; }
      case 7: std::memcpy(p + 8 * i, &v, 8); break;
      case 5: { uint16_t h = to_half((float)v); std::memcpy(p + 2 * i, &h, 2); break; }
      case 4: { int64_t x = (int64_t)(v * 100); std::memcpy(p + 8 * i, &x, 8); break; }
      case 3: { int32_t x = (int32_t)(v * 100); std::memcpy(p + 4 * i, &x, 4); break; }
      case 11: p[i] = v > 0 ? 1 : 0; break;
      case 0: p[i] = (unsigned char)(int)((v + 1) * 127); break;
      case 1: p[i] = (unsigned char)(signed char)(int)(v * 127); break;
      default:
        std::fprintf(stderr, "et4j_bench: no seeded filler for dtype %d\n", in.dtype);
        std::exit(1);
    }
  }
}

double percentile(const std::vector<double> &sorted, double p) {  // nearest rank
  size_t n = sorted.size();
  size_t idx = (size_t)std::ceil(p * (double)n);
  idx = idx == 0 ? 0 : idx - 1;
  return sorted[std::min(idx, n - 1)];
}

std::vector<std::string> split_commas(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The whole file, or exit(1) with a message.
std::vector<unsigned char> read_file(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "et4j_bench: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<unsigned char> data;
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    std::fprintf(stderr, "et4j_bench: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  return data;
}

// Element i of raw data of a dtype (c10 ScalarType code) as a double; false if the
// dtype is not one the check reads.
bool element(const unsigned char *p, int32_t dtype, int64_t i, double &out) {
  switch (dtype) {
    case 6: { float f; std::memcpy(&f, p + 4 * i, 4); out = f; return true; }
    case 7: std::memcpy(&out, p + 8 * i, 8); return true;
    case 4: { int64_t x; std::memcpy(&x, p + 8 * i, 8); out = (double)x; return true; }
    case 3: { int32_t x; std::memcpy(&x, p + 4 * i, 4); out = x; return true; }
    case 2: { int16_t x; std::memcpy(&x, p + 2 * i, 2); out = x; return true; }
    case 1: out = (signed char)p[i]; return true;
    case 0: case 11: out = p[i]; return true;
    default: return false;
  }
}

int32_t element_size(int32_t dtype) {
  switch (dtype) {
    case 7: case 4: return 8;
    case 6: case 3: return 4;
    case 5: case 2: case 15: return 2;
    default: return 1;
  }
}

std::string json_escape(const std::string &s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

}  // namespace

int main(int argc, char **argv) {
  const char *path = nullptr;
  long iterations = 1000, warmup = 100, load_repeats = 10, max_seconds = 0, threads = -1;
  long workspace_sharing = -1;
  bool serve = false;
  std::vector<std::string> input_files, golden_files;
  double atol = 1e-3, rtol = 1e-3;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto num = [&](long &dst) {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      char *end = nullptr;
      dst = std::strtol(argv[++i], &end, 10);
      if (*end || dst < 0) usage(("bad value for " + a).c_str());
    };
    if (a == "--iterations") num(iterations);
    else if (a == "--warmup") num(warmup);
    else if (a == "--load-repeats") num(load_repeats);
    else if (a == "--max-seconds") num(max_seconds);
    else if (a == "--threads") num(threads);
    else if (a == "--workspace-sharing") num(workspace_sharing);
    else if (a == "--serve") serve = true;
    else if (a == "--inputs" || a == "--golden") {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      (a == "--inputs" ? input_files : golden_files) = split_commas(argv[++i]);
    } else if (a == "--atol" || a == "--rtol") {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      char *end = nullptr;
      double v = std::strtod(argv[++i], &end);
      if (*end || !(v >= 0)) usage(("bad value for " + a).c_str());
      (a == "--atol" ? atol : rtol) = v;
    }
    else if (a == "-h" || a == "--help") usage("help");
    else if (!a.empty() && a[0] == '-') usage(("unknown option " + a).c_str());
    else if (!path) path = argv[i];
    else usage("more than one model");
  }
  if (!path) usage("no model given");
  if (iterations < 1) usage("--iterations must be >= 1");
  if (load_repeats < 1) load_repeats = 1;

  check(et_runtime_init(), "et_runtime_init");
  et_method_config config = et_method_config_default();
  const et_method_config *config_ptr = nullptr;
  if (threads >= 0) {
    config.threads = (int32_t)threads;
    config_ptr = &config;
  }
  if (workspace_sharing >= 0) {
    config.xnnpack_workspace_sharing = (int32_t)workspace_sharing;
    config_ptr = &config;
  }

  // Load time: program (mmap, full verification) + method "forward".
  std::vector<double> loads;
  et_program *program = nullptr;
  et_method *method = nullptr;
  for (long r = 0; r < load_repeats; r++) {
    et_method_destroy(method);
    et_program_destroy(program);
    method = nullptr;
    program = nullptr;
    double t0 = now_us();
    check(et_program_load_file(path, ET_LOAD_MMAP, ET_VERIFY_INTERNAL_CONSISTENCY, &program),
          std::string("et_program_load_file ") + path);
    check(et_method_load(program, "forward", config_ptr, &method), "et_method_load forward");
    loads.push_back((now_us() - t0) / 1e3);
  }
  double first_load_ms = loads.front();
  std::vector<double> sorted_loads = loads;
  std::sort(sorted_loads.begin(), sorted_loads.end());
  double load_ms = percentile(sorted_loads, 0.5);

  et_method_info info;
  check(et_program_method_info(program, "forward", &info), "et_program_method_info");
  std::vector<Input> inputs((size_t)info.num_inputs);
  std::mt19937_64 rng(42);
  if (!input_files.empty() && (int64_t)input_files.size() != info.num_inputs) {
    std::fprintf(stderr, "et4j_bench: --inputs gives %zu files, forward takes %lld inputs\n",
                 input_files.size(), (long long)info.num_inputs);
    return 1;
  }
  for (int64_t i = 0; i < info.num_inputs; i++) {
    et_tensor_info ti;
    check(et_program_tensor_info(program, "forward", 0, i, &ti), "et_program_tensor_info");
    if (ti.kind != 1) {
      std::fprintf(stderr, "et4j_bench: input %lld is not a tensor\n", (long long)i);
      return 1;
    }
    Input &in = inputs[(size_t)i];
    in.dtype = ti.dtype;
    in.rank = ti.rank;
    int64_t numel = 1;
    for (int d = 0; d < ti.rank; d++) {
      in.sizes[d] = ti.sizes[d];
      numel *= ti.sizes[d];
    }
    if (!input_files.empty()) {
      const std::string &f = input_files[(size_t)i];
      in.data = read_file(f);
      if ((int64_t)in.data.size() != ti.nbytes) {
        std::fprintf(stderr,
                     "et4j_bench: %s holds %zu bytes, input %lld (dtype %d) needs %lld\n",
                     f.c_str(), in.data.size(), (long long)i, ti.dtype, (long long)ti.nbytes);
        return 1;
      }
    } else {
      in.data.assign((size_t)ti.nbytes, 0);
      fill(in, numel, rng);
    }
  }

  et_tensor_view view;
  int64_t elapsed_ns = 0;
  volatile float sink = 0;
  auto run_once = [&]() {
    for (size_t i = 0; i < inputs.size(); i++) {
      Input &in = inputs[i];
      et_status s = et_method_set_input(method, (int64_t)i, in.dtype, in.sizes, in.rank,
                                        in.data.data(), in.data.size());
      if (s != ET_OK) die("et_method_set_input", s);
    }
    et_status s = et_method_execute(method, &elapsed_ns);
    if (s != ET_OK) die("et_method_execute", s);
    for (int64_t j = 0; j < info.num_outputs; j++) {
      s = et_method_output(method, j, &view);
      if (s != ET_OK) die("et_method_output", s);
    }
    if (view.data && view.nbytes >= 4 && view.dtype == 6) sink = *(const float *)view.data;
  };

  // The correctness check, on the first run's outputs.
  bool checked = !golden_files.empty(), ok = true;
  double max_abs_err = 0;
  if (checked) {
    if ((int64_t)golden_files.size() != info.num_outputs) {
      std::fprintf(stderr, "et4j_bench: --golden gives %zu files, forward has %lld outputs\n",
                   golden_files.size(), (long long)info.num_outputs);
      return 1;
    }
    run_once();
    for (int64_t j = 0; j < info.num_outputs; j++) {
      check(et_method_output(method, j, &view), "et_method_output");
      std::vector<unsigned char> golden = read_file(golden_files[(size_t)j]);
      if ((int64_t)golden.size() != view.nbytes) {
        std::fprintf(stderr, "et4j_bench: output %lld has %lld bytes, golden %s has %zu\n",
                     (long long)j, (long long)view.nbytes, golden_files[(size_t)j].c_str(),
                     golden.size());
        ok = false;
        max_abs_err = INFINITY;
        continue;
      }
      int64_t n = view.nbytes / element_size(view.dtype);
      double err = 0, scale = 0, a = 0, b = 0;
      for (int64_t k = 0; k < n; k++) {
        if (!element((const unsigned char *)view.data, view.dtype, k, a) ||
            !element(golden.data(), view.dtype, k, b)) {
          std::fprintf(stderr, "et4j_bench: cannot compare outputs of dtype %d\n", view.dtype);
          return 1;
        }
        double d = std::fabs(a - b);
        if (!(d <= err)) err = d;  // NaN wins
        scale = std::max(scale, std::fabs(b));
      }
      if (!(err <= atol + rtol * scale)) {
        ok = false;
        std::fprintf(stderr,
                     "et4j_bench: output %lld differs from %s: max |out - golden| = %g > %g + %g * %g\n",
                     (long long)j, golden_files[(size_t)j].c_str(), err, atol, rtol, scale);
      }
      if (!(err <= max_abs_err)) max_abs_err = err;
    }
  }

  double deadline = max_seconds > 0 ? now_us() + 1e6 * (double)max_seconds : 0;
  for (long w = 0; w < warmup; w++) {
    run_once();
    if (deadline && now_us() > deadline) break;  // warmup gets the first part of the budget
  }
  if (serve) {
    std::printf("{\"runtime\":\"cpp\",\"serving\":true,\"threads\":%ld,\"ok\":%s}\n", threads,
                checked ? (ok ? "true" : "false") : "null");
    std::fflush(stdout);
    char line[64];
    std::vector<double> block, executes;
    while (std::fgets(line, sizeof line, stdin) && line[0] != 'q') {
      long n = std::strtol(line, nullptr, 10);
      block.clear();
      executes.clear();
      for (long k = 0; k < n; k++) {
        double t0 = now_us();
        run_once();
        block.push_back(now_us() - t0);
        executes.push_back(elapsed_ns / 1e3);
      }
      for (size_t k = 0; k < block.size(); k++)
        std::printf(k ? " %.3f:%.3f" : "%.3f:%.3f", block[k], executes[k]);
      std::printf("\n");
      std::fflush(stdout);
    }
    et_method_destroy(method);
    et_program_destroy(program);
    return checked && !ok ? 3 : 0;
  }
  if (deadline) deadline = now_us() + 1e6 * (double)max_seconds;
  std::vector<double> times;
  times.reserve((size_t)iterations);
  for (long it = 0; it < iterations; it++) {
    double t0 = now_us();
    run_once();
    double t1 = now_us();
    times.push_back(t1 - t0);
    if (deadline && t1 > deadline) break;
  }
  iterations = (long)times.size();
  (void)sink;
  double sum = 0;
  for (double t : times) sum += t;
  std::sort(times.begin(), times.end());

  std::string model = path;
  size_t slash = model.find_last_of('/');
  if (slash != std::string::npos) model = model.substr(slash + 1);
  if (model.size() > 4 && model.compare(model.size() - 4, 4, ".pte") == 0)
    model = model.substr(0, model.size() - 4);

  rusage usage;
  getrusage(RUSAGE_SELF, &usage);  // ru_maxrss: KiB on Linux
  char err_text[32] = "null", ok_text[8] = "null";
  if (checked) {
    if (std::isfinite(max_abs_err)) std::snprintf(err_text, sizeof err_text, "%.6g", max_abs_err);
    else std::snprintf(err_text, sizeof err_text, "%s", "1e308");  // JSON has no inf/NaN
    std::snprintf(ok_text, sizeof ok_text, "%s", ok ? "true" : "false");
  }
  std::printf(
      "{\"runtime\":\"cpp\",\"model\":\"%s\",\"mean_us\":%.3f,\"p50_us\":%.3f,\"p90_us\":%.3f,"
      "\"p99_us\":%.3f,\"min_us\":%.3f,\"load_ms\":%.3f,\"first_load_ms\":%.3f,"
      "\"iterations\":%ld,\"warmup\":%ld,\"threads\":%ld,\"peak_rss_mb\":%.1f,"
      "\"max_abs_err\":%s,\"ok\":%s,\"version\":\"%s\"}\n",
      json_escape(model).c_str(), sum / (double)iterations, percentile(times, 0.5),
      percentile(times, 0.9), percentile(times, 0.99), times.front(), load_ms, first_load_ms,
      iterations, warmup, threads, (double)usage.ru_maxrss / 1024.0, err_text, ok_text,
      json_escape(et_version()).c_str());

  et_method_destroy(method);
  et_program_destroy(program);
  return checked && !ok ? 3 : 0;  // the line is printed either way
}
