// client_linux.cpp - the facade's side of isolated execution (et_worker_*): starts et4j-worker,
// shares the program and the IO memory with it and turns its death or silence into a status.
// Linux only (memfd, SCM_RIGHTS, seccomp in the worker); other platforms build client_stub.cpp.
#include "../facade/internal.h"
#include "et4j_ipc.h"

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
#include <cstring>
#include <mutex>

using namespace et4j;

struct et_worker {
  struct Slot {
    uint64_t offset, capacity;
  };
  struct Method {
    std::vector<Slot> inputs, outputs;
    std::vector<std::array<uint8_t, ET_MAX_RANK>> masks;
  };
  std::mutex mu;
  pid_t pid = 0;
  int sock = -1;
  int64_t timeout_ms = 0;
  et_worker_config config{};
  et_status death_status = ET_OK;  // set once the worker is gone
  std::string death;
  uint8_t *io = nullptr;
  size_t io_size = 0;
  std::vector<Method> methods;
  std::vector<uint8_t> buf = std::vector<uint8_t>(et4j_ipc::kMaxMessage);
};

namespace {

const char *signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    case SIGXCPU: return "SIGXCPU";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
  }
}

// Reaps the worker (killing it if it lingers) and records why it is gone.
void worker_reap(et_worker *w, et_status status, const char *during) {
  int st = 0;
  pid_t r = 0;
  for (int i = 0; i < 200 && (r = waitpid(w->pid, &st, WNOHANG)) == 0; i++) usleep(5000);
  if (r == 0) {
    kill(w->pid, SIGKILL);
    r = waitpid(w->pid, &st, 0);
  }
  char text[256];
  if (status == ET_ERR_TIMEOUT) {
    std::snprintf(text, sizeof text, "the worker (pid %d) did not answer %s within %lld ms and was killed", (int)w->pid,
                  during, (long long)w->timeout_ms);
  } else if (r > 0 && WIFSIGNALED(st)) {
    std::snprintf(text, sizeof text, "the worker (pid %d) was killed by signal %d (%s) during %s", (int)w->pid,
                  WTERMSIG(st), signal_name(WTERMSIG(st)), during);
  } else if (r > 0 && WIFEXITED(st)) {
    std::snprintf(text, sizeof text, "the worker (pid %d) exited with status %d during %s", (int)w->pid,
                  WEXITSTATUS(st), during);
  } else {
    std::snprintf(text, sizeof text, "the worker (pid %d) is gone (%s)", (int)w->pid, during);
  }
  w->death_status = status;
  w->death = text;
  w->pid = 0;
  if (w->sock >= 0) close(w->sock);
  w->sock = -1;
}

et_status worker_gone(const et_worker *w) {
  return fail(w->death_status, "%s; load the model again", w->death.c_str());
}

// One request and its reply. *out_fd (nullable) gets an fd the reply passed. Returns the reply's
// size, or 0 after recording the worker's death (the status is then w->death_status).
size_t worker_call(et_worker *w, const et4j_ipc::Writer &req, int send_fd, int *out_fd, const char *during) {
  if (!et4j_ipc::send_message(w->sock, req, send_fd)) {
    worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(w->timeout_ms);
  // Busy-poll briefly first: a fast call's reply then arrives without this thread sleeping.
  for (;;) {
    struct pollfd p = {w->sock, POLLIN, 0};
    if (poll(&p, 1, 0) != 0) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::nanoseconds(et4j_ipc::kSpinNs)) break;
    sched_yield();  // on a busy machine, the worker may need this CPU to answer
  }
  for (;;) {
    int wait_ms = -1;
    if (w->timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() > 0 ? static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)) : 0;
    }
    struct pollfd p = {w->sock, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      kill(w->pid, SIGKILL);
      worker_reap(w, ET_ERR_TIMEOUT, during);
      return 0;
    }
    break;
  }
  et4j_ipc::Inbox in(w->buf.data(), w->buf.size());
  ssize_t n;
  do {
    n = in.recv(w->sock, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return 0;
  }
  int fd = in.fd();
  if (fd >= 0) {
    if (out_fd) *out_fd = fd;
    else close(fd);
  }
  return static_cast<size_t>(n);
}

// The status and text that open every reply; a failure is recorded as this thread's last error.
et_status reply_head(et4j_ipc::Reader &r) {
  int32_t st = r.get<int32_t>();
  std::string text = r.str();
  if (!r.ok) return fail(ET_ERR_INTERNAL, "malformed reply from the worker");
  if (st) {
    t_last_error = text;
    return st;
  }
  return ET_OK;
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
  std::string parent = std::to_string(getpid());
  char *argv[] = {const_cast<char *>(worker_path), const_cast<char *>(parent.c_str()), nullptr};
  std::string hooks = std::string(et4j_ipc::kDebugEnv) + "=1";
  char *envp_hooks[] = {const_cast<char *>(hooks.c_str()), nullptr};
  char *envp_none[] = {nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, worker_path, &fa, nullptr, argv, config->debug_hooks ? envp_hooks : envp_none);
  posix_spawn_file_actions_destroy(&fa);
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
  ET4J_REQUIRE(w->io == nullptr, "a program is loaded in this worker already");
  et_method_config cfg = config ? *config : et_method_config_default();
  ET4J_REQUIRE(cfg.memory_policy == ET_MEMORY_AUTO && cfg.profiling == 0,
               "an isolated program uses AUTO memory and no profiling");
  int fd = static_cast<int>(syscall(SYS_memfd_create, "et4j-program", 1u /* MFD_CLOEXEC */));
  if (fd < 0) return fail(0x21, "memfd_create: %s", std::strerror(errno));
  bool ok = ftruncate(fd, static_cast<off_t>(size)) == 0;
  void *dst = ok && size ? mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : nullptr;
  if (!ok || dst == MAP_FAILED) {
    close(fd);
    return fail(0x21, "cannot share the program with the worker: %s", std::strerror(errno));
  }
  if (size) {
    std::memcpy(dst, program, size);
    munmap(dst, size);
  }
  et4j_ipc::Writer req;
  req.put<int32_t>(et4j_ipc::kLoad);
  req.put<int32_t>(verification);
  req.put<int32_t>(w->config.sandbox);
  req.put<int64_t>(w->config.memory_limit_bytes);
  req.put<int64_t>(w->config.cpu_limit_seconds);
  req.put<int32_t>(cfg.threads);
  req.put<int32_t>(cfg.xnnpack_weight_cache);
  req.put<int32_t>(cfg.xnnpack_workspace_sharing);
  req.put<int32_t>(cfg.warmup_runs);
  req.put<uint64_t>(size);
  int io_fd = -1;
  size_t n = worker_call(w, req, fd, &io_fd, "load");
  close(fd);
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) {
    if (io_fd >= 0) close(io_fd);
    return st;
  }
  int64_t count = r.get<int64_t>();
  uint64_t io_size = r.get<uint64_t>();
  for (int64_t m = 0; r.ok && m < count; m++) {
    et_worker::Method method;
    int64_t ni = r.get<int64_t>(), no = r.get<int64_t>();
    for (int64_t i = 0; r.ok && i < ni; i++) {
      uint64_t off = r.get<uint64_t>(), cap = r.get<uint64_t>();
      method.inputs.push_back({off, cap});
      std::array<uint8_t, ET_MAX_RANK> mask{};
      for (auto &b : mask) b = r.get<uint8_t>();
      method.masks.push_back(mask);
    }
    for (int64_t j = 0; r.ok && j < no; j++) {
      uint64_t off = r.get<uint64_t>(), cap = r.get<uint64_t>();
      method.outputs.push_back({off, cap});
    }
    w->methods.push_back(std::move(method));
  }
  if (!r.ok || io_fd < 0) {
    if (io_fd >= 0) close(io_fd);
    return fail(ET_ERR_INTERNAL, "malformed load reply from the worker");
  }
  void *io = mmap(nullptr, io_size, PROT_READ | PROT_WRITE, MAP_SHARED, io_fd, 0);
  close(io_fd);
  if (io == MAP_FAILED) return fail(0x21, "cannot map the worker's IO memory: %s", std::strerror(errno));
  for (const auto &m : w->methods) {
    for (const auto &s : m.inputs)
      if (s.offset + s.capacity > io_size) return fail(ET_ERR_INTERNAL, "worker slot outside its IO memory");
    for (const auto &s : m.outputs)
      if (s.offset + s.capacity > io_size) return fail(ET_ERR_INTERNAL, "worker slot outside its IO memory");
  }
  w->io = static_cast<uint8_t *>(io);
  w->io_size = io_size;
  if (out_num_methods) *out_num_methods = count;
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
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  ET4J_REQUIRE(index >= 0 && (size_t)index < m.inputs.size(), "input %lld out of range", (long long)index);
  *out_data = w->io + m.inputs[index].offset;
  *out_capacity = m.inputs[index].capacity;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_worker_forward(et_worker *w, int64_t method, const et_tensor_input *inputs, int64_t num_inputs,
                            et_tensor_view *outputs, int64_t num_outputs, int64_t *out_elapsed_ns, const void *,
                            const void *, const void *, const void *) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(w != nullptr, "worker must not be NULL");
  std::lock_guard<std::mutex> lock(w->mu);
  if (w->pid == 0) return worker_gone(w);
  ET4J_REQUIRE(method >= 0 && (size_t)method < w->methods.size(), "method %lld out of range", (long long)method);
  const auto &m = w->methods[method];
  if (num_inputs != static_cast<int64_t>(m.inputs.size()))
    return fail(ET_ERR_INPUT_MISMATCH, "expected %zu inputs, got %lld", m.inputs.size(), (long long)num_inputs);
  ET4J_REQUIRE(num_outputs == static_cast<int64_t>(m.outputs.size()), "expected room for %zu outputs, got %lld",
               m.outputs.size(), (long long)num_outputs);
  ET4J_REQUIRE(num_inputs == 0 || inputs != nullptr, "inputs must not be NULL");
  ET4J_REQUIRE(num_outputs == 0 || outputs != nullptr, "outputs must not be NULL");
  et4j_ipc::Writer req;
  req.buf.reserve(32 + num_inputs * (16 + 8 * ET_MAX_RANK));
  req.put<int32_t>(et4j_ipc::kForward);
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
  size_t n = worker_call(w, req, -1, nullptr, "forward");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) return st;
  int64_t elapsed = r.get<int64_t>();
  int64_t count = r.get<int64_t>();
  if (!r.ok || count != num_outputs) return fail(ET_ERR_INTERNAL, "malformed forward reply from the worker");
  for (int64_t j = 0; j < count; j++) {
    et_tensor_view &v = outputs[j];
    v.dtype = r.get<int32_t>();
    v.rank = r.get<int32_t>();
    for (int d = 0; d < ET_MAX_RANK; d++) v.sizes[d] = r.get<int64_t>();
    uint64_t nbytes = r.get<uint64_t>();
    if (!r.ok || nbytes > m.outputs[j].capacity || v.rank < 0 || v.rank > ET_MAX_RANK)
      return fail(ET_ERR_INTERNAL, "malformed forward reply from the worker");
    v.nbytes = static_cast<int64_t>(nbytes);
    v.data = w->io + m.outputs[j].offset;
  }
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
  req.put<int32_t>(et4j_ipc::kProbe);
  req.put<int32_t>(probe);
  size_t n = worker_call(w, req, -1, nullptr, "a debug probe");
  if (n == 0) return worker_gone(w);
  et4j_ipc::Reader r(w->buf.data(), n);
  if (et_status st = reply_head(r)) return st;
  *out_errno = r.get<int32_t>();
  return ET_OK;
  ET4J_GUARD_END
}

void et_worker_destroy(et_worker *w) {
  if (w == nullptr) return;
  try {
    if (w->pid != 0) {
      et4j_ipc::Writer req;
      req.put<int32_t>(et4j_ipc::kQuit);
      send(w->sock, req.buf.data(), req.buf.size(), MSG_NOSIGNAL);
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
