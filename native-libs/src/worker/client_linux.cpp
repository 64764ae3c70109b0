// client_linux.cpp - the facade's side of isolated execution (et_worker_*): starts et4j-worker,
// lays out and shares the program and the IO memory with it, and checks every reply (the
// transport is transport.cpp). The worker is the process we assume
// compromised: nothing structural comes from it, and every number it sends is checked against
// what this side computed before it is used. Linux only (memfd, SCM_RIGHTS, seccomp in the
// worker); other platforms build client_stub.cpp.
#include "client.h"
#include "spawner.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

using namespace et4j;
using namespace et4j_client;

namespace {

// Cuts the worker's error text to what is printable: it reaches exception messages and logs.
std::string printable(const std::string &text) {
  std::string out = text;
  for (char &c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) c = '?';
  return out;
}

// The sequence number, status and text that open every reply. ET_OK: the caller reads on. A
// failure is the worker's status with its text as this thread's last error; a reply that breaks
// the protocol kills the worker (WORKER_CRASHED).
et_status reply_head(et_worker *w, et4j_ipc::Reader &r, const char *during, bool *broken) {
  uint32_t seq = r.get<uint32_t>();
  int32_t st = r.get<int32_t>();
  std::string text = r.str(et4j_ipc::kMaxText);
  *broken = true;
  if (!r.ok) return violation(w, during, "a malformed reply head");
  if (seq != w->seq) return violation(w, during, "a reply to another request");
  if (st < 0 || st > ET_ERR_INTERNAL) return violation(w, during, "a status the facade does not define");
  *broken = false;
  if (st) {
    if (!r.done()) {
      *broken = true;
      return violation(w, during, "bytes after a failure");
    }
    t_last_error = printable(text);
    return st;
  }
  return ET_OK;
}

// A fresh sequence number for the next request.
void put_head(et_worker *w, et4j_ipc::Writer &req, int32_t type) {
  req.put<int32_t>(type);
  req.put<uint32_t>(++w->seq);
}

// A memfd of `size` bytes that can neither shrink nor grow (so a mapping of it never faults),
// or -1 with *why set.
int sealed_memfd(const char *name, uint64_t size, const char **why) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd < 0) {
    *why = "memfd_create";
    return -1;
  }
  if (ftruncate(fd, static_cast<off_t>(size)) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
    *why = "ftruncate or F_ADD_SEALS";
    close(fd);
    return -1;
  }
  return fd;
}

uint64_t align64(uint64_t n) { return (n + 63) & ~uint64_t(63); }

// The IO layout of `program` (parsed here, as the caller's own metadata read does): one slot per
// input and output of every method at its declared upper-bound size, 64-byte aligned, in program
// order. Fails on a size that overflows.
et_status compute_layout(const void *program, uint64_t size, int32_t verification, et_worker *w, uint64_t *io_size) {
  et_program *meta = nullptr;
  if (et_status st = et_program_load_buffer(program, size, verification, &meta)) return st;
  std::unique_ptr<et_program, decltype(&et_program_destroy)> owned(meta, &et_program_destroy);
  int64_t count = 0;
  et_program_method_count(meta, &count);
  if (count > et4j_ipc::kMaxIo) return fail(ET_ERR_UNSUPPORTED_VALUE, "more than %lld methods", (long long)et4j_ipc::kMaxIo);
  uint64_t total = et4j_ipc::kRingBytes;  // the ring first, then the slots
  for (int64_t m = 0; m < count; m++) {
    char name[256];
    int64_t len = 0;
    et_method_info info;
    if (et_status st = et_program_method_name(meta, m, name, sizeof name, &len)) return st;
    if (et_status st = et_program_method_info(meta, name, &info)) return st;
    if (info.num_inputs > et4j_ipc::kMaxIo || info.num_outputs > et4j_ipc::kMaxIo)
      return fail(ET_ERR_UNSUPPORTED_VALUE, "%s: more than %lld inputs or outputs", name, (long long)et4j_ipc::kMaxIo);
    et_worker::Method method;
    for (int io = 0; io < 2; io++) {
      for (int64_t i = 0; i < (io == 0 ? info.num_inputs : info.num_outputs); i++) {
        et_tensor_info ti;
        if (et_status st = et_program_tensor_info(meta, name, io, i, &ti)) return st;
        uint64_t cap = static_cast<uint64_t>(ti.kind == 1 && ti.nbytes > 0 ? ti.nbytes : 0);
        uint64_t next = 0;
        if (cap > (uint64_t(1) << 62) || __builtin_add_overflow(total, align64(cap), &next))
          return fail(ET_ERR_UNSUPPORTED_VALUE, "%s: the declared inputs and outputs overflow", name);
        (io == 0 ? method.inputs : method.outputs).push_back({total, cap});
        total = next;
      }
    }
    for (const auto &s : method.outputs) {
      void *copy = std::aligned_alloc(64, align64(std::max<uint64_t>(s.capacity, 1)));
      if (copy == nullptr) throw std::bad_alloc();
      method.copies.emplace_back(static_cast<uint8_t *>(copy), &std::free);
    }
    w->methods.push_back(std::move(method));
  }
  *io_size = total;
  return ET_OK;
}

// numel * element size of a shape the worker sent, or UINT64_MAX when it overflows.
uint64_t shape_bytes(const et_tensor_view &v, uint64_t element) {
  uint64_t n = element;
  for (int d = 0; d < v.rank; d++)
    if (v.sizes[d] < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(v.sizes[d]), &n)) return UINT64_MAX;
  return n;
}

}  // namespace

extern "C" {

et_status et_worker_start(const char *worker_path, const et_worker_config *config, et_worker **out_worker) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(worker_path != nullptr && config != nullptr && out_worker != nullptr,
               "worker_path, config and out_worker must not be NULL");
  if (access(worker_path, X_OK) != 0)
    return fail(ET_ERR_FILE_NOT_FOUND, "the worker executable %s cannot be run: %s", worker_path, std::strerror(errno));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail(0x25, "socketpair: %s", std::strerror(errno));
  // The child's end away from 0..3, so dup2 onto 3 always clears its close-on-exec flag.
  int child = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
  close(sv[1]);
  if (child < 0) {
    close(sv[0]);
    return fail(0x25, "fcntl: %s", std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, child, et4j_ipc::kWorkerFd);
  // Default handlers and no blocked signal: nothing of the caller's (the JVM's) signal state.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string parent = std::to_string(getpid());
  std::string mem = std::to_string(std::max<int64_t>(0, config->memory_limit_bytes));
  std::string cpu = std::to_string(std::max<int64_t>(0, config->cpu_limit_seconds));
  char *argv[] = {const_cast<char *>(worker_path), const_cast<char *>(parent.c_str()),
                  const_cast<char *>(config->sandbox ? et4j_ipc::kSandboxArg : "none"),
                  const_cast<char *>(mem.c_str()), const_cast<char *>(cpu.c_str()), nullptr};
  std::string hooks = std::string(et4j_ipc::kDebugEnv) + "=1";
  char *envp_hooks[] = {const_cast<char *>(hooks.c_str()), nullptr};
  char *envp_none[] = {nullptr};
  pid_t pid = 0;
  int rc = et4j_spawner::Spawner::get().spawn(&pid, worker_path, &fa, &attr, argv, config->debug_hooks ? envp_hooks : envp_none);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(child);
  if (rc != 0) {
    close(sv[0]);
    return fail(ET_ERR_FILE_NOT_FOUND, "cannot start the worker %s: %s", worker_path, std::strerror(rc));
  }
  auto *w = new et_worker();
  w->pid = pid;
  w->sock = sv[0];
  w->timeout_ms = config->call_timeout_ms;
  w->config = *config;
  *out_worker = w;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_load(et_worker *w, const void *program, uint64_t size, int32_t verification,
                         const et_method_config *config, int64_t *out_num_methods) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && (program != nullptr || size == 0), "worker and program must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  ET4J_REQUIRE(w->io == nullptr && w->methods.empty(), "a program is loaded in this worker already");
  et_method_config cfg = config ? *config : et_method_config_default();
  ET4J_REQUIRE(cfg.memory_policy == ET_MEMORY_AUTO && cfg.profiling == 0,
               "an isolated program uses AUTO memory and no profiling");
  uint64_t io_size = 0;
  if (et_status st = compute_layout(program, size, verification, w, &io_size)) {
    w->methods.clear();
    return st;
  }
  const char *why = nullptr;
  int fds[2] = {sealed_memfd("et4j-program", size, &why), -1};
  if (fds[0] >= 0) fds[1] = sealed_memfd("et4j-io", io_size, &why);
  void *dst = fds[0] >= 0 && size ? mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0) : nullptr;
  void *io = fds[1] >= 0 ? mmap(nullptr, io_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0) : MAP_FAILED;
  if (fds[1] < 0 || dst == MAP_FAILED || io == MAP_FAILED) {
    int err = errno;
    for (int fd : fds)
      if (fd >= 0) close(fd);
    if (dst && dst != MAP_FAILED) munmap(dst, size);
    if (io != MAP_FAILED) munmap(io, io_size);
    w->methods.clear();
    return fail(0x21, "cannot create the memory shared with the worker (%s): %s", why ? why : "mmap", std::strerror(err));
  }
  if (size) {
    std::memcpy(dst, program, size);
    munmap(dst, size);
  }
  w->io = static_cast<uint8_t *>(io);
  w->io_size = io_size;
  et4j_ipc::Writer req;
  put_head(w, req, et4j_ipc::kLoad);
  req.put<int32_t>(verification);
  req.put<int32_t>(cfg.threads);
  req.put<int32_t>(cfg.xnnpack_weight_cache);
  req.put<int32_t>(cfg.xnnpack_workspace_sharing);
  req.put<int32_t>(cfg.warmup_runs);
  req.put<uint64_t>(size);
  req.put<uint64_t>(io_size);
  req.put<int64_t>(static_cast<int64_t>(w->methods.size()));
  for (const auto &m : w->methods) {
    req.put<int64_t>(static_cast<int64_t>(m.inputs.size()));
    req.put<int64_t>(static_cast<int64_t>(m.outputs.size()));
    for (const auto *slots : {&m.inputs, &m.outputs})
      for (const auto &s : *slots) {
        req.put(s.offset);
        req.put(s.capacity);
      }
  }
  if (req.buf.size() > et4j_ipc::kMaxMessage) return fail(ET_ERR_UNSUPPORTED_VALUE, "the program has too many inputs and outputs to isolate");
  size_t n = worker_call(w, req, fds, 2, "load");
  close(fds[0]);
  close(fds[1]);
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  bool broken = false;
  if (et_status st = reply_head(w, r, "load", &broken)) return st;
  for (auto &m : w->methods) {
    for (size_t i = 0; i < m.inputs.size(); i++) {
      std::array<uint8_t, ET_MAX_RANK> mask{};
      for (auto &b : mask) {
        b = r.get<uint8_t>();
        if (b > 1) return violation(w, "load", "a dynamic-dimension mask byte other than 0 or 1");
      }
      m.masks.push_back(mask);
    }
  }
  if (!r.ok) return violation(w, "load", "a load reply shorter than the layout");
  if (!r.done()) return violation(w, "load", "a load reply longer than the layout");
  w->ring = reinterpret_cast<et4j_ipc::Ring *>(w->io);
  if (out_num_methods) *out_num_methods = static_cast<int64_t>(w->methods.size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_input_dynamic_dims(const et_worker *w, int64_t method, int64_t index, uint8_t *out_mask) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_mask != nullptr, "worker and out_mask must not be NULL");
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  ET4J_REQUIRE(index >= 0 && (size_t)index < m.masks.size(), "input %lld out of range", (long long)index);
  std::memcpy(out_mask, m.masks[index].data(), ET_MAX_RANK);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_input_slot(et_worker *w, int64_t method, int64_t index, void **out_data, uint64_t *out_capacity) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_data != nullptr && out_capacity != nullptr, "arguments must not be NULL");
  ET4J_REQUIRE(w->io != nullptr, "no program is loaded in this worker");
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  ET4J_REQUIRE(index >= 0 && (size_t)index < m.inputs.size(), "input %lld out of range", (long long)index);
  *out_data = w->io + m.inputs[index].offset;
  *out_capacity = m.inputs[index].capacity;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_forward(et_worker *w, int64_t method, const et_tensor_input *inputs, int64_t num_inputs,
                            et_tensor_view *outputs, int64_t num_outputs, int64_t *out_elapsed_ns) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr, "worker must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  ET4J_REQUIRE(w->io != nullptr, "no program is loaded in this worker");
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  auto &m = w->methods[method];
  if (num_inputs != static_cast<int64_t>(m.inputs.size()))
    return fail(ET_ERR_INPUT_MISMATCH, "expected %zu inputs, got %lld", m.inputs.size(), (long long)num_inputs);
  ET4J_REQUIRE(num_outputs == static_cast<int64_t>(m.outputs.size()), "expected room for %zu outputs, got %lld",
               m.outputs.size(), (long long)num_outputs);
  ET4J_REQUIRE(num_inputs == 0 || inputs != nullptr, "inputs must not be NULL");
  ET4J_REQUIRE(num_outputs == 0 || outputs != nullptr, "outputs must not be NULL");
  et4j_ipc::Writer req;
  req.buf.reserve(32 + num_inputs * (16 + 8 * ET_MAX_RANK));
  put_head(w, req, et4j_ipc::kForward);
  req.put<int64_t>(method);
  req.put<int64_t>(num_inputs);
  for (int64_t i = 0; i < num_inputs; i++) {
    const et_tensor_input &in = inputs[i];
    uint8_t *slot = w->io + m.inputs[i].offset;
    if (in.rank < 0 || in.rank > ET_MAX_RANK)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: rank %d is not in [0, %d]", (long long)i, in.rank, ET_MAX_RANK);
    if (in.nbytes > m.inputs[i].capacity)
      return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: %llu bytes, more than its declared %llu", (long long)i,
                  (unsigned long long)in.nbytes, (unsigned long long)m.inputs[i].capacity);
    if (in.nbytes && in.data == nullptr) return fail(ET_ERR_INPUT_MISMATCH, "input_%lld: data is NULL", (long long)i);
    if (in.data != slot && in.nbytes) std::memcpy(slot, in.data, in.nbytes);
    req.put<int32_t>(in.dtype);
    req.put<int32_t>(in.rank);
    for (int d = 0; d < ET_MAX_RANK; d++) req.put<int64_t>(d < in.rank ? in.sizes[d] : 0);
    req.put<uint64_t>(in.nbytes);
  }
  size_t n = worker_call(w, req, nullptr, 0, "forward");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  bool broken = false;
  if (et_status st = reply_head(w, r, "forward", &broken)) return st;
  int64_t elapsed = r.get<int64_t>();
  int64_t count = r.get<int64_t>();
  if (!r.ok || count != num_outputs) return violation(w, "forward", "an output count other than the method's");
  if (elapsed < 0) return violation(w, "forward", "a negative execute time");
  for (int64_t j = 0; j < count; j++) {
    et_tensor_view v{};
    v.dtype = r.get<int32_t>();
    v.rank = r.get<int32_t>();
    for (int d = 0; d < ET_MAX_RANK; d++) v.sizes[d] = r.get<int64_t>();
    uint64_t nbytes = r.get<uint64_t>();
    if (!r.ok) return violation(w, "forward", "a forward reply shorter than its outputs");
    uint64_t element = et_dtype_size(v.dtype);
    if (element == 0) return violation(w, "forward", "an output dtype the runtime does not define");
    if (v.rank < 0 || v.rank > ET_MAX_RANK) return violation(w, "forward", "an output rank outside [0, 8]");
    if (nbytes > m.outputs[j].capacity) return violation(w, "forward", "an output larger than its slot");
    if (shape_bytes(v, element) != nbytes) return violation(w, "forward", "output bytes that do not match its shape");
    uint8_t *copy = m.copies[j].get();
    std::memcpy(copy, w->io + m.outputs[j].offset, nbytes);
    v.nbytes = static_cast<int64_t>(nbytes);
    v.data = copy;
    outputs[j] = v;
  }
  if (!r.done()) return violation(w, "forward", "a forward reply longer than its outputs");
  if (out_elapsed_ns) *out_elapsed_ns = elapsed;
  return ET_OK;
  ET4J_GUARD_END
}

int32_t et_worker_pid(const et_worker *w) { return w ? static_cast<int32_t>(w->pid) : 0; }

et_status et_worker_debug_probe(et_worker *w, int32_t probe, int32_t *out_errno) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr && out_errno != nullptr, "worker and out_errno must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  et4j_ipc::Writer req;
  put_head(w, req, et4j_ipc::kProbe);
  req.put<int32_t>(probe);
  size_t n = worker_call(w, req, nullptr, 0, "a debug probe");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  bool broken = false;
  if (et_status st = reply_head(w, r, "a debug probe", &broken)) return st;
  *out_errno = r.get<int32_t>();
  if (!r.ok || !r.done()) return violation(w, "a debug probe", "a malformed probe reply");
  return ET_OK;
  ET4J_GUARD_END
}

void et_worker_destroy(et_worker *w) {
  if (w == nullptr) return;
  try {
    if (w->pid != 0) {
      et4j_ipc::Writer req;
      put_head(w, req, et4j_ipc::kQuit);
      if (w->ring != nullptr) {
        std::memcpy(w->ring->req, req.buf.data(), req.buf.size());
        w->ring->request_len = static_cast<uint32_t>(req.buf.size());
        w->ring->request.store(w->seq);
        et4j_ipc::futex_wake(&w->ring->request);
      } else {
        send(w->sock, req.buf.data(), req.buf.size(), MSG_NOSIGNAL);
      }
      close(w->sock);
      w->sock = -1;
      worker_reap(w, ET_ERR_WORKER_CRASHED, "quit");
    }
    if (w->io) munmap(w->io, w->io_size);
    delete w;
  } catch (...) {
  }
}

}  // extern "C"
