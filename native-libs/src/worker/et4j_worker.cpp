/*
 * et4j-worker - runs one program for one client (et_worker_* in client_linux.cpp) in its own process, so
 * a crash or hang inside ExecuTorch's kernels or a delegate cannot take the client down.
 *
 * Started by et_worker_start with the socket at fd 3 and stdin/stdout/stderr on /dev/null. It
 * closes every other fd it may have inherited, dies with its parent (PR_SET_PDEATHSIG), and
 * serves the requests of et4j_ipc.h in turn. On Linux, once the program and its methods are
 * loaded (and the IO memory is shared), it sets no_new_privs and a seccomp-bpf filter that
 * allows only what execution needs: memory, threads of its own, futexes, clocks and the socket
 * it already holds. open, execve, socket, connect, ptrace and everything else fail with EPERM.
 * The limits (RLIMIT_AS, RLIMIT_CPU) are set before the program is read.
 */
#include "et4j.h"
#include "et4j_ipc.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

using namespace et4j_ipc;

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

void close_inherited_fds() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, kWorkerFd + 1, ~0U, 0) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = kWorkerFd + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close(static_cast<int>(fd));
}

bool send_msg(const Writer &w, int fd_to_pass = -1) { return send_message(kWorkerFd, w, fd_to_pass); }

// Receives one message; *out_fd gets a passed fd or -1. Returns its size, or -1 when the client is gone.
ssize_t recv_msg(std::vector<uint8_t> &buf, int *out_fd) {
  Inbox in(buf.data(), buf.size());
  ssize_t n;
  // Busy-poll briefly before sleeping in recvmsg: back-to-back calls then skip the wake-up of a
  // sleeping process (most of the cost of a round trip). kSpinNs bounds the CPU this burns.
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    n = in.recv(kWorkerFd, MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    sched_yield();  // on a busy machine, the client may need this CPU to send the request
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec) > kSpinNs) {
      do {
        n = in.recv(kWorkerFd, 0);
      } while (n < 0 && errno == EINTR);
      break;
    }
  }
  *out_fd = n > 0 ? in.fd() : -1;
  return n;
}

void reply_status(et_status st, const std::string &error) {
  Writer w;
  w.put<int32_t>(st);
  w.str(error);
  send_msg(w);
}

// ---- sandbox -------------------------------------------------------------------------------

#if defined(__x86_64__)
#define ET4J_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ET4J_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

bool apply_sandbox(std::string *why) {
#ifdef ET4J_AUDIT_ARCH
  static const long allowed[] = {
    SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_close, SYS_fstat, SYS_lseek, SYS_pread64,
    SYS_mmap, SYS_mprotect, SYS_munmap, SYS_brk, SYS_mremap, SYS_madvise,
    SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
    SYS_sched_yield, SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_gettime, SYS_clock_getres,
    SYS_gettimeofday, SYS_getpid, SYS_gettid, SYS_getppid, SYS_exit, SYS_exit_group,
    SYS_futex, SYS_set_robust_list, SYS_get_robust_list, SYS_set_tid_address,
    SYS_sendmsg, SYS_recvmsg, SYS_sendto, SYS_recvfrom, SYS_ppoll,
    SYS_sched_getaffinity, SYS_getrandom, SYS_membarrier, SYS_tgkill, SYS_tkill, SYS_getcpu,
    SYS_restart_syscall, SYS_prlimit64, SYS_sysinfo, SYS_uname, SYS_newfstatat,
#ifdef SYS_rseq
    SYS_rseq,
#endif
#ifdef SYS_poll
    SYS_poll,
#endif
#ifdef SYS_getrlimit
    SYS_getrlimit,
#endif
  };
  std::vector<sock_filter> f;
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ET4J_AUDIT_ARCH, 1, 0));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
  for (long nr : allowed) {
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1));
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  }
#ifdef SYS_clone3
  // glibc falls back to clone when clone3 is not there; clone's flags can be checked, clone3's cannot.
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
#endif
  // clone: threads of this process only (CLONE_THREAD), never a new process.
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3));
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
  struct sock_fprog prog = {static_cast<unsigned short>(f.size()), f.data()};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *why = std::string("no_new_privs: ") + std::strerror(errno);
    return false;
  }
  // TSYNC: every thread of the worker (the runtime's pool included) gets the filter.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
    *why = std::string("seccomp: ") + std::strerror(errno);
    return false;
  }
  return true;
#else
  *why = "no seccomp filter for this architecture";
  return false;
#endif
}

// ---- requests ------------------------------------------------------------------------------

uint64_t align64(uint64_t n) { return (n + 63) & ~uint64_t(63); }

void handle_load(Reader &r, int program_fd) {
  int32_t verification = r.get<int32_t>();
  int32_t sandbox = r.get<int32_t>();
  int64_t mem_limit = r.get<int64_t>();
  int64_t cpu_limit = r.get<int64_t>();
  et_method_config cfg = et_method_config_default();
  cfg.threads = r.get<int32_t>();
  cfg.xnnpack_weight_cache = r.get<int32_t>();
  cfg.xnnpack_workspace_sharing = r.get<int32_t>();
  cfg.warmup_runs = r.get<int32_t>();
  uint64_t size = r.get<uint64_t>();
  if (!r.ok || program_fd < 0 || g_program != nullptr) {
    reply_status(ET_ERR_INTERNAL, "worker: malformed load request");
    return;
  }
  if (mem_limit > 0) {
    struct rlimit rl = {static_cast<rlim_t>(mem_limit), static_cast<rlim_t>(mem_limit)};
    setrlimit(RLIMIT_AS, &rl);
  }
  if (cpu_limit > 0) {
    // The soft limit sends SIGXCPU (reported as the worker's crash); the hard one SIGKILL.
    struct rlimit rl = {static_cast<rlim_t>(cpu_limit), static_cast<rlim_t>(cpu_limit + 1)};
    setrlimit(RLIMIT_CPU, &rl);
  }
  void *data = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, program_fd, 0) : nullptr;
  close(program_fd);
  if (size && data == MAP_FAILED) {
    reply_status(0x21, std::string("worker: cannot map the program: ") + std::strerror(errno));
    return;
  }
  et_status st = et_program_load_buffer(data, size, verification, &g_program);
  if (data) munmap(data, size);  // the facade copied it
  if (st) {
    reply_status(st, et_last_error());
    return;
  }
  int64_t count = 0;
  et_program_method_count(g_program, &count);
  uint64_t io_size = 0;
  std::vector<std::vector<uint8_t>> masks;
  for (int64_t m = 0; m < count; m++) {
    char name[256];
    int64_t len = 0;
    if ((st = et_program_method_name(g_program, m, name, sizeof name, &len)) ||
        (st = [&] {
          g_methods.emplace_back();
          return et_method_load(g_program, name, &cfg, &g_methods.back().method);
        }())) {
      reply_status(st, et_last_error());
      return;
    }
    LoadedMethod &lm = g_methods.back();
    et_method_info info;
    if ((st = et_program_method_info(g_program, name, &info))) {
      reply_status(st, et_last_error());
      return;
    }
    if (info.num_inputs > kMaxIo || info.num_outputs > kMaxIo) {
      reply_status(ET_ERR_UNSUPPORTED_VALUE, "worker: more than 1024 inputs or outputs");
      return;
    }
    for (int io = 0; io < 2; io++) {
      int64_t n = io == 0 ? info.num_inputs : info.num_outputs;
      for (int64_t i = 0; i < n; i++) {
        et_tensor_info ti;
        if ((st = et_program_tensor_info(g_program, name, io, i, &ti))) {
          reply_status(st, et_last_error());
          return;
        }
        Slot s{io_size, static_cast<uint64_t>(ti.kind == 1 && ti.nbytes > 0 ? ti.nbytes : 0)};
        io_size += align64(s.capacity);
        (io == 0 ? lm.inputs : lm.outputs).push_back(s);
        if (io == 0) {
          std::vector<uint8_t> mask(ET_MAX_RANK, 0);
          if ((st = et_method_input_dynamic_dims(lm.method, i, mask.data()))) {
            reply_status(st, et_last_error());  // as the in-process load reports it
            return;
          }
          masks.push_back(mask);
        }
      }
    }
    lm.in.resize(lm.inputs.size());
    lm.out.resize(lm.outputs.size());
  }
  int io_fd = static_cast<int>(syscall(SYS_memfd_create, "et4j-io", 1u /* MFD_CLOEXEC */));
  if (io_fd < 0 || ftruncate(io_fd, static_cast<off_t>(io_size ? io_size : 64)) != 0) {
    reply_status(0x21, std::string("worker: cannot create the shared IO memory: ") + std::strerror(errno));
    return;
  }
  void *io = mmap(nullptr, io_size ? io_size : 64, PROT_READ | PROT_WRITE, MAP_SHARED, io_fd, 0);
  if (io == MAP_FAILED) {
    reply_status(0x21, std::string("worker: cannot map the shared IO memory: ") + std::strerror(errno));
    return;
  }
  g_io = static_cast<uint8_t *>(io);
  std::string why;
  if (sandbox && !apply_sandbox(&why)) {
    reply_status(ET_ERR_INTERNAL, "worker: cannot sandbox: " + why);
    return;
  }
  Writer w;
  w.put<int32_t>(ET_OK);
  w.str("");
  w.put<int64_t>(count);
  w.put<uint64_t>(io_size ? io_size : 64);
  size_t k = 0;
  for (const LoadedMethod &lm : g_methods) {
    w.put<int64_t>(static_cast<int64_t>(lm.inputs.size()));
    w.put<int64_t>(static_cast<int64_t>(lm.outputs.size()));
    for (const Slot &s : lm.inputs) {
      w.put(s.offset);
      w.put(s.capacity);
      w.buf.insert(w.buf.end(), masks[k].begin(), masks[k].end());
      k++;
    }
    for (const Slot &s : lm.outputs) {
      w.put(s.offset);
      w.put(s.capacity);
    }
  }
  send_msg(w, io_fd);
  close(io_fd);
}

void handle_forward(Reader &r) {
  int64_t m = r.get<int64_t>();
  int64_t n = r.get<int64_t>();
  if (!r.ok || m < 0 || static_cast<size_t>(m) >= g_methods.size() || n != static_cast<int64_t>(g_methods[m].inputs.size())) {
    reply_status(ET_ERR_INTERNAL, "worker: malformed forward request");
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
      reply_status(ET_ERR_INPUT_MISMATCH, "input_" + std::to_string(i) + ": more bytes than its declared size");
      return;
    }
  }
  if (!r.ok) {
    reply_status(ET_ERR_INTERNAL, "worker: malformed forward request");
    return;
  }
  int64_t elapsed = 0;
  et_status st = et_method_forward(lm.method, lm.in.data(), n, lm.out.data(), static_cast<int64_t>(lm.out.size()),
                                   &elapsed, nullptr, nullptr, nullptr, nullptr);
  if (st) {
    reply_status(st, et_last_error());
    return;
  }
  Writer w;
  w.put<int32_t>(ET_OK);
  w.str("");
  w.put<int64_t>(elapsed);
  w.put<int64_t>(static_cast<int64_t>(lm.out.size()));
  for (size_t j = 0; j < lm.out.size(); j++) {
    const et_tensor_view &v = lm.out[j];
    uint8_t *slot = g_io + lm.outputs[j].offset;
    uint64_t nbytes = static_cast<uint64_t>(v.nbytes);
    if (nbytes > lm.outputs[j].capacity) {
      reply_status(ET_ERR_INTERNAL, "output_" + std::to_string(j) + " is larger than its declared size");
      return;
    }
    if (v.data != slot && nbytes) std::memcpy(slot, v.data, nbytes);
    w.put<int32_t>(v.dtype);
    w.put<int32_t>(v.rank);
    for (int d = 0; d < ET_MAX_RANK; d++) w.put<int64_t>(v.sizes[d]);
    w.put<uint64_t>(nbytes);
  }
  send_msg(w);
}

void handle_probe(Reader &r) {
  int32_t which = r.get<int32_t>();
  if (!g_debug_hooks) {
    reply_status(ET_ERR_INTERNAL, "worker: debug hooks are off");
    return;
  }
  errno = 0;
  long rc = 0;
  switch (which) {
    case kProbeOpen: rc = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); break;
    case kProbeSocket: rc = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); break;
    case kProbeExecve: {
      char *argv[] = {const_cast<char *>("/bin/true"), nullptr};
      char *envp[] = {nullptr};
      rc = syscall(SYS_execve, "/bin/true", argv, envp);
      break;
    }
    case kProbePtrace: rc = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0); break;
    case kProbeCrash: *static_cast<volatile int *>(nullptr) = 1; break;
    case kProbeHang: for (;;) pause(); break;
    case kProbeAbort: abort();
    case kProbeSpin:
      for (volatile uint64_t i = 0;; i++) {
      }
    default: break;
  }
  int err = rc < 0 ? errno : 0;
  if (rc >= 0 && (which == kProbeOpen || which == kProbeSocket)) close(static_cast<int>(rc));
  Writer w;
  w.put<int32_t>(ET_OK);
  w.str("");
  w.put<int32_t>(err);
  send_msg(w);
}

}  // namespace

int main(int argc, char **argv) {
  // Dies with the client; and if the client is already gone, at once.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc > 1 && getppid() != static_cast<pid_t>(std::atol(argv[1]))) return 1;
  close_inherited_fds();
  signal(SIGPIPE, SIG_IGN);
  const char *hooks = std::getenv(kDebugEnv);
  g_debug_hooks = hooks != nullptr && std::strcmp(hooks, "1") == 0;
  et_runtime_init();
  std::vector<uint8_t> buf(kMaxMessage);
  for (;;) {
    int fd = -1;
    ssize_t n = recv_msg(buf, &fd);
    if (n <= 0) return 0;  // the client closed the socket (or died)
    Reader r(buf.data(), static_cast<size_t>(n));
    switch (r.get<int32_t>()) {
      case kLoad: handle_load(r, fd); break;
      case kForward:
        if (fd >= 0) close(fd);
        handle_forward(r);
        break;
      case kProbe: handle_probe(r); break;
      case kQuit: return 0;
      default:
        if (fd >= 0) close(fd);
        reply_status(ET_ERR_INTERNAL, "worker: unknown request");
    }
  }
}
