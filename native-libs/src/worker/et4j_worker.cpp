/*
 * et4j-worker - runs one program for one client (et_worker_* in client_linux.cpp) in its own process, so
 * a crash or hang inside ExecuTorch's kernels or a delegate cannot take the client down.
 *
 * Started by et_worker_start with the socket at fd 3, stdin/stdout/stderr on /dev/null, an empty
 * environment and argv = {path, parent pid, "sandbox" or "none", RLIMIT_AS bytes, RLIMIT_CPU s}.
 * It closes every other fd it may have inherited, dies with its parent (PR_SET_PDEATHSIG; the
 * client spawns from a thread that lives as long as the process), sets its limits, and when
 * sandboxed confines itself before it receives the program (sandbox.h): an empty root in its own
 * mount namespace where the kernel allows one, and the load-stage seccomp filter; once every
 * method is loaded it stacks the execute-stage filter. Then it serves the requests of
 * et4j_ipc.h in turn, in the memory layout the client chose.
 */
#include "et4j.h"
#include "et4j_ipc.h"
#include "liar.h"
#include "sandbox.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

using namespace et4j_ipc;
using et4j_liar::lying;

namespace {

struct Slot {
  uint64_t offset = 0;
  uint64_t capacity = 0;
};

struct LoadedMethod {
  et_method *method = nullptr;
  std::vector<Slot> inputs, outputs;
  std::vector<et_tensor_input> in;
  std::vector<et_tensor_view> out;
};

et_program *g_program = nullptr;
std::vector<LoadedMethod> g_methods;
uint8_t *g_io = nullptr;
bool g_debug_hooks = false;
bool g_sandbox = false;
int32_t g_request = 0;  // the type of the request being answered
uint32_t g_seq = 0;      // and its sequence number
Ring *g_ring = nullptr;  // once loaded: requests and replies travel here (et4j_ipc.h)
int g_lie_fd = -1;  // liar builds: the fd the fd lies pass (made before the sandbox refuses memfd_create)
std::string g_sandbox_error;  // why the load-stage filter could not be set: loading is refused

void close_inherited_fds() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, kWorkerFd + 1, ~0U, 0) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = kWorkerFd + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close(static_cast<int>(fd));
}

// Receives one message from the socket; `fds` gets the fds it passed. Returns its size, or -1
// when the client is gone.
ssize_t recv_msg(std::vector<uint8_t> &buf, std::vector<int> *fds) {
  Inbox in(buf.data(), buf.size());
  ssize_t n = -1;
  spin_for([&] {
    n = in.recv(kWorkerFd, MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  });
  while (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) n = in.recv(kWorkerFd, 0);
  *fds = n > 0 ? in.fds() : std::vector<int>{};
  return n;
}

// Once loaded: waits for the client's next request in the ring and copies it into `buf`.
ssize_t next_ring_request(std::vector<uint8_t> &buf, uint32_t *served) {
  auto pending = [&] { return g_ring->request.load(std::memory_order_acquire) != *served; };
  if (!spin_for(pending)) {
    g_ring->worker_asleep.store(1);
    while (!pending()) futex_wait(&g_ring->request, *served);
    g_ring->worker_asleep.store(0);
  }
  *served = g_ring->request.load(std::memory_order_acquire);
  uint32_t len = g_ring->request_len;
  if (len > kRingMessage || len > buf.size()) return -1;
  std::memcpy(buf.data(), g_ring->req, len);
  return len;
}

// Marks the ring's reply as the answer to request `seq`, waking the client if it sleeps.
void post_reply(uint32_t seq) {
  g_ring->reply.store(seq);
  if (g_ring->client_asleep.load()) {
    Writer wake;
    wake.put<int32_t>(kWake);
    send_message(kWorkerFd, wake);
  }
}

// Sends a reply: into the ring once loaded (waking the client if it sleeps), else on the socket.
void publish(const Writer &w) {
  if (g_ring == nullptr || w.buf.size() > kRingMessage) {
    send_message(kWorkerFd, w);
    return;
  }
  std::memcpy(g_ring->rep, w.buf.data(), w.buf.size());
  g_ring->reply_len = static_cast<uint32_t>(w.buf.size());
  post_reply(g_seq);
}

// The head of every reply. The error text is cut to what the client accepts.
Writer reply(uint32_t seq, et_status st, const std::string &text) {
  Writer w;
  bool lie = lying(g_request == kLoad ? et4j_liar::kLoadSeq : et4j_liar::kForwardSeq) && g_request != kProbe;
  w.put<uint32_t>(lie ? seq + 7 : seq);
  w.put<int32_t>(st);
  w.str(text.size() > kMaxText ? text.substr(0, kMaxText) : text);
  return w;
}

void reply_status(uint32_t seq, et_status st, const std::string &error) {
  publish(reply(seq, st, error));
}

// Sends a successful reply, telling the lies that concern a whole message (liar builds only).
void send_ok(Writer &w, bool load) {
  using namespace et4j_liar;
  if (lying(load ? kLoadGarbage : kForwardGarbage)) {
    for (size_t i = 0; i < w.buf.size(); i++) w.buf[i] = static_cast<uint8_t>(i * 131 + 17);
  }
  if (lying(load ? kLoadLate : kForwardLate)) sleep(3);
  if (lying(load ? kLoadFd : kForwardFd)) {
    if (g_ring) {
      // A wake-up carrying an fd instead of the reply: the client, asleep on the socket for want
      // of a reply, finds the fd there.
      Writer wake;
      wake.put<int32_t>(kWake);
      send_message(kWorkerFd, wake, &g_lie_fd, 1);
      sleep(2);
      return;
    } else {
      send_message(kWorkerFd, w, &g_lie_fd, 1);
      return;
    }
  }
  publish(w);
  // A second reply: the one above again, posted as the answer to the next request as soon as
  // that request arrives, before the worker has read it.
  if (lying(kForwardTwice) && !load) {
    g_ring->worker_asleep.store(1);
    while (g_ring->request.load() == g_seq) futex_wait(&g_ring->request, g_seq);
    g_ring->worker_asleep.store(0);
    post_reply(g_ring->request.load());
    sleep(2);  // the stale reply stays in place until the client has read it (and killed us)
  }
  if (lying(load ? kLoadExit : kForwardExit)) _exit(0);
}

void set_limits(int64_t mem_limit, int64_t cpu_limit) {
  if (mem_limit > 0) {
    struct rlimit rl = {static_cast<rlim_t>(mem_limit), static_cast<rlim_t>(mem_limit)};
    setrlimit(RLIMIT_AS, &rl);
  }
  if (cpu_limit > 0) {
    // The soft limit sends SIGXCPU (reported as the worker's crash); the hard one SIGKILL.
    struct rlimit rl = {static_cast<rlim_t>(cpu_limit), static_cast<rlim_t>(cpu_limit + 1)};
    setrlimit(RLIMIT_CPU, &rl);
  }
}

// fstat by fd (the sandbox refuses newfstatat, which glibc's fstat uses): the memfd's size.
int64_t fd_size(int fd) {
  struct stat st;
  return syscall(SYS_fstat, fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// ---- requests ------------------------------------------------------------------------------

// The slot capacity the client computes for a declared tensor: its upper-bound bytes.
uint64_t declared_bytes(const et_tensor_info &ti) {
  return static_cast<uint64_t>(ti.kind == 1 && ti.nbytes > 0 ? ti.nbytes : 0);
}

// Closes the fds a request passed when its handler returns, whatever the path.
struct PassedFds {
  const std::vector<int> &fds;  // a reference: a copy binds a newer libstdc++ symbol than the floor
  ~PassedFds() {
    for (int fd : fds) close(fd);
  }
};

void handle_load(uint32_t seq, Reader &r, const std::vector<int> &passed) {
  PassedFds owned{passed};
  const std::vector<int> &fds = owned.fds;
  int32_t verification = r.get<int32_t>();
  et_method_config cfg = et_method_config_default();
  cfg.threads = r.get<int32_t>();
  cfg.xnnpack_weight_cache = r.get<int32_t>();
  cfg.xnnpack_workspace_sharing = r.get<int32_t>();
  cfg.warmup_runs = r.get<int32_t>();
  uint64_t size = r.get<uint64_t>();
  uint64_t io_size = r.get<uint64_t>();
  int64_t count = r.get<int64_t>();
  if (!r.ok || fds.size() != 2 || g_program != nullptr || count < 0 || count > kMaxIo) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: malformed load request");
    return;
  }
  // emplace_back, not resize(count): resize's allocator path binds a GLIBCXX_3.4.29 symbol,
  // newer than the wheels' libstdc++ floor (scripts/check-natives.py).
  for (int64_t i = 0; i < count; i++) g_methods.emplace_back();
  for (LoadedMethod &lm : g_methods) {
    int64_t ni = r.get<int64_t>(), no = r.get<int64_t>();
    if (!r.ok || ni < 0 || no < 0 || ni > kMaxIo || no > kMaxIo) break;
    for (int64_t i = 0; i < ni + no; i++) {
      Slot s{r.get<uint64_t>(), r.get<uint64_t>()};
      (i < ni ? lm.inputs : lm.outputs).push_back(s);
    }
  }
  if (!r.ok || r.left != 0) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: malformed load request");
    return;
  }
  if (!g_sandbox_error.empty()) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: cannot sandbox: " + g_sandbox_error);
    return;
  }
  int program_fd = fds[0], io_fd = fds[1];
  // The client sized both memfds; a smaller one would fault on access.
  if (fd_size(program_fd) < static_cast<int64_t>(size) || fd_size(io_fd) != static_cast<int64_t>(io_size)) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: the shared memory is not the size the request says");
    return;
  }
  void *data = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, program_fd, 0) : nullptr;
  void *io = mmap(nullptr, io_size, PROT_READ | PROT_WRITE, MAP_SHARED, io_fd, 0);
  if ((size && data == MAP_FAILED) || io == MAP_FAILED) {
    reply_status(seq, 0x21, std::string("worker: cannot map the shared memory: ") + std::strerror(errno));
    return;
  }
  g_io = static_cast<uint8_t *>(io);
  et_status st = et_program_load_buffer(data, size, verification, &g_program);
  if (data) munmap(data, size);  // the facade copied it
  if (st) {
    reply_status(seq, st, et_last_error());
    return;
  }
  int64_t declared = 0;
  et_program_method_count(g_program, &declared);
  if (declared != count) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: the client's layout has a different method count");
    return;
  }
  Writer w = reply(seq, ET_OK, "");
  for (int64_t m = 0; m < count; m++) {
    LoadedMethod &lm = g_methods[m];
    char name[256];
    int64_t len = 0;
    et_method_info info;
    if ((st = et_program_method_name(g_program, m, name, sizeof name, &len)) ||
        (st = et_method_load(g_program, name, &cfg, &lm.method)) ||
        (st = et_program_method_info(g_program, name, &info))) {
      reply_status(seq, st, et_last_error());
      return;
    }
    bool same = info.num_inputs == static_cast<int64_t>(lm.inputs.size()) &&
                info.num_outputs == static_cast<int64_t>(lm.outputs.size());
    for (int io_kind = 0; same && io_kind < 2; io_kind++) {
      std::vector<Slot> &slots = io_kind == 0 ? lm.inputs : lm.outputs;
      for (size_t i = 0; same && i < slots.size(); i++) {
        et_tensor_info ti;
        if ((st = et_program_tensor_info(g_program, name, io_kind, static_cast<int64_t>(i), &ti))) {
          reply_status(seq, st, et_last_error());
          return;
        }
        same = declared_bytes(ti) == slots[i].capacity;
      }
    }
    if (!same) {
      reply_status(seq, ET_ERR_INTERNAL, std::string("worker: the client's layout of ") + name + " differs from the program");
      return;
    }
    for (size_t i = 0; i < lm.inputs.size(); i++) {
      if (lying(et4j_liar::kLoadShort) && m == count - 1 && i + 1 == lm.inputs.size()) break;
      uint8_t mask[ET_MAX_RANK] = {};
      if ((st = et_method_input_dynamic_dims(lm.method, static_cast<int64_t>(i), mask))) {
        reply_status(seq, st, et_last_error());  // as the in-process load reports it
        return;
      }
      if (lying(et4j_liar::kLoadMask)) mask[0] = 7;
      w.buf.insert(w.buf.end(), mask, mask + ET_MAX_RANK);
    }
    if (lying(et4j_liar::kLoadLayout)) {
      w.put<uint64_t>(uint64_t(0) - 65536);  // an output slot 64 KiB before the shared memory
      w.put<uint64_t>(4096);
    }
    lm.in.resize(lm.inputs.size());
    lm.out.resize(lm.outputs.size());
  }
  std::string why;
  if (g_sandbox && !et4j_sandbox::apply_filter(et4j_sandbox::kExecuteStage, &why)) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: cannot sandbox: " + why);
    return;
  }
  if (lying(et4j_liar::kLoadStatus)) {
    reply_status(seq, 0x7fff0001, "");
    return;
  }
  if (lying(et4j_liar::kLoadText)) {
    Writer lie;
    lie.put<uint32_t>(seq);
    lie.put<int32_t>(0x12);
    lie.put<uint64_t>(1 << 20);  // claims a 1 MiB text in a message of a few bytes
    send_message(kWorkerFd, lie);
    return;
  }
  send_ok(w, true);
  g_ring = reinterpret_cast<Ring *>(g_io);  // the client lays the ring out at the start
}

void handle_forward(uint32_t seq, Reader &r) {
  using namespace et4j_liar;
  int64_t m = r.get<int64_t>();
  int64_t n = r.get<int64_t>();
  if (!r.ok || m < 0 || static_cast<size_t>(m) >= g_methods.size() || n != static_cast<int64_t>(g_methods[m].inputs.size())) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: malformed forward request");
    return;
  }
  LoadedMethod &lm = g_methods[m];
  for (int64_t i = 0; i < n; i++) {
    et_tensor_input &in = lm.in[i];
    in.dtype = r.get<int32_t>();
    in.rank = r.get<int32_t>();
    for (int d = 0; d < ET_MAX_RANK; d++) in.sizes[d] = r.get<int64_t>();
    in.nbytes = r.get<uint64_t>();
    in.data = g_io + lm.inputs[i].offset;
    if (in.nbytes > lm.inputs[i].capacity) {
      reply_status(seq, ET_ERR_INPUT_MISMATCH, "input_" + std::to_string(i) + ": more bytes than its declared size");
      return;
    }
  }
  if (!r.ok) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: malformed forward request");
    return;
  }
  int64_t elapsed = 0;
  et_status st = et_method_forward(lm.method, lm.in.data(), n, lm.out.data(), static_cast<int64_t>(lm.out.size()),
                                   &elapsed, nullptr, nullptr, nullptr, nullptr);
  if (lying(kForwardStatus)) st = 0x7fff0001;
  if (st) {
    reply_status(seq, st, et_last_error());
    return;
  }
  Writer w = reply(seq, ET_OK, "");
  w.put<int64_t>(lying(kForwardElapsed) ? -5 : elapsed);
  w.put<int64_t>(static_cast<int64_t>(lm.out.size()) + (lying(kForwardCount) ? 1 : 0));
  for (size_t j = 0; j < lm.out.size() + (lying(kForwardCount) ? 1 : 0); j++) {
    et_tensor_view v = lm.out[j < lm.out.size() ? j : 0];
    uint64_t nbytes = static_cast<uint64_t>(v.nbytes);
    if (j < lm.out.size()) {
      uint8_t *slot = g_io + lm.outputs[j].offset;
      if (nbytes > lm.outputs[j].capacity) {
        reply_status(seq, ET_ERR_INTERNAL, "output_" + std::to_string(j) + " is larger than its declared size");
        return;
      }
      if (v.data != slot && nbytes) std::memcpy(slot, v.data, nbytes);
      if (lying(kForwardNbytes)) nbytes = lm.outputs[j].capacity + 4096;
    }
    if (lying(kForwardShape)) nbytes -= 1;
    if (lying(kForwardRank)) v.rank = ET_MAX_RANK + 1;
    if (lying(kForwardNegative)) v.sizes[0] = -1;
    if (lying(kForwardOverflow)) {
      for (int d = 0; d < ET_MAX_RANK; d++) v.sizes[d] = int64_t(1) << 40;
      v.rank = 2;
      nbytes = 0;  // 2^80 elements "wrap" to 0 bytes
    }
    if (lying(kForwardDtype)) v.dtype = 99;
    w.put<int32_t>(v.dtype);
    w.put<int32_t>(v.rank);
    for (int d = 0; d < ET_MAX_RANK; d++) w.put<int64_t>(d < v.rank ? v.sizes[d] : 0);
    w.put<uint64_t>(nbytes);
  }
  send_ok(w, false);
  if (lying(kForwardScribble)) {
    usleep(50000);  // the client has copied the reply's outputs long before
    for (const Slot &s : lm.outputs) std::memset(g_io + s.offset, 0xFF, s.capacity);
  }
}

long run_probe(int32_t which) {
  pid_t parent = getppid();
  switch (which) {
    case kProbeOpen: return syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
    case kProbeSocket: return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    case kProbeExecve: {
      char *argv[] = {const_cast<char *>("/bin/true"), nullptr};
      char *envp[] = {nullptr};
      return syscall(SYS_execve, "/bin/true", argv, envp);
    }
    case kProbePtrace: return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
    case kProbeCrash: *static_cast<volatile int *>(nullptr) = 1; return 0;
    case kProbeHang: for (;;) pause();
    case kProbeAbort: abort();
    case kProbeSpin:
      for (volatile uint64_t i = 0;; i++) {
      }
    case kProbeTgkillParent: return syscall(SYS_tgkill, parent, parent, 0);
    case kProbeKillParent: return syscall(SYS_kill, parent, 0);
    case kProbePrlimitParent: {
      struct rlimit old;
      return syscall(SYS_prlimit64, parent, RLIMIT_CPU, nullptr, &old);
    }
    case kProbeSetOwnLimit: {
      struct rlimit now;
      if (syscall(SYS_prlimit64, 0, RLIMIT_CPU, nullptr, &now) != 0) return -1;
      return syscall(SYS_prlimit64, 0, RLIMIT_CPU, &now, nullptr);
    }
    case kProbeTkill: return syscall(SYS_tkill, static_cast<pid_t>(syscall(SYS_gettid)), 0);
    case kProbeStat: {
      struct stat st;
      return syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st, 0);
    }
    case kProbeUname: {
      struct utsname u;
      return syscall(SYS_uname, &u);
    }
    case kProbeTgkillSelf: return syscall(SYS_tgkill, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), 0);
    default: return 0;
  }
}

void handle_probe(uint32_t seq, Reader &r) {
  int32_t which = r.get<int32_t>();
  if (!g_debug_hooks) {
    reply_status(seq, ET_ERR_INTERNAL, "worker: debug hooks are off");
    return;
  }
  errno = 0;
  long rc = run_probe(which);
  int err = rc < 0 ? errno : 0;
  if (rc >= 0 && (which == kProbeOpen || which == kProbeSocket)) close(static_cast<int>(rc));
  Writer w = reply(seq, ET_OK, "");
  w.put<int32_t>(err);
  publish(w);
}

// Confines the worker before any request is read: namespaces while it has one thread, the runtime
// and its thread pool (which read the CPU topology from /sys) while files are still visible,
// then the empty root and the load-stage filter.
void confine() {
  std::string why;
  bool namespaces = et4j_sandbox::enter_namespaces(&why);
  et_runtime_init();
  int32_t threads = 0;
  et_runtime_thread_count(&threads);
  if (namespaces) et4j_sandbox::empty_root(&why);  // else this layer is missing; the filter still holds
  if (!et4j_sandbox::apply_filter(et4j_sandbox::kLoadStage, &why)) g_sandbox_error = why;
}

}  // namespace

int main(int argc, char **argv) {
  // Dies with the client; and if the client is already gone, at once.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc > 1 && getppid() != static_cast<pid_t>(std::atol(argv[1]))) return 1;
  close_inherited_fds();
  signal(SIGPIPE, SIG_IGN);
  et4j_liar::choose(argv[0]);
  if (lying(et4j_liar::kLoadFd) || lying(et4j_liar::kForwardFd))
    g_lie_fd = static_cast<int>(syscall(SYS_memfd_create, "et4j-lie", 0));
  const char *hooks = std::getenv(kDebugEnv);
  g_debug_hooks = hooks != nullptr && std::strcmp(hooks, "1") == 0;
  g_sandbox = argc > 2 && std::strcmp(argv[2], kSandboxArg) == 0;
  set_limits(argc > 3 ? std::atoll(argv[3]) : 0, argc > 4 ? std::atoll(argv[4]) : 0);
  if (g_sandbox) {
    confine();
  } else {
    et_runtime_init();
  }
  std::vector<uint8_t> buf(kMaxMessage);
  uint32_t served = 0;  // the last ring request answered (the ring starts zeroed)
  for (;;) {
    std::vector<int> fds;
    ssize_t n = g_ring ? next_ring_request(buf, &served) : recv_msg(buf, &fds);
    if (n <= 0) return 0;  // the client closed the socket (or died)
    Reader r(buf.data(), static_cast<size_t>(n));
    int32_t type = r.get<int32_t>();
    uint32_t seq = r.get<uint32_t>();
    g_request = type;
    g_seq = seq;
    if (type != kLoad) {
      for (int fd : fds) close(fd);
    }
    switch (type) {
      case kLoad: handle_load(seq, r, fds); break;
      case kForward: handle_forward(seq, r); break;
      case kProbe: handle_probe(seq, r); break;
      case kQuit: return 0;
      default: reply_status(seq, ET_ERR_INTERNAL, "worker: unknown request");
    }
  }
}
