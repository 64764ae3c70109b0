/*
 * et4j_ipc.h - the wire format between the facade (et_worker_* in client_linux.cpp) and the
 * isolated worker process (et4j_worker.cpp). Internal: not part of et4j.h.
 *
 * One SOCK_SEQPACKET socketpair carries requests and replies, one message each, in turn (the
 * client never sends a second request before the reply). Every request carries a sequence number
 * that its reply repeats, so a stale or unsolicited reply is recognized. Tensor data never
 * travels on the socket: the client lays out one memfd with a fixed slot per input and output of
 * every method (its declared, upper-bound size), sizes and seals it, and passes it with the
 * program's memfd in the load request; both sides map it. Nothing structural comes back from the
 * worker: its replies carry statuses, dynamic-dimension masks and output shapes, each checked by
 * the client against what it computed. Messages are little structs of fixed-size fields written
 * with Writer / read with Reader.
 *
 * Request: i32 type, u32 seq, then
 *   kLoad:    i32 verification, i32 threads, i32 weight_cache, i32 workspace_sharing,
 *             i32 warmup_runs, u64 program size, u64 io size, i64 methods, per method:
 *             i64 inputs, i64 outputs, then {u64 offset, u64 capacity} per input and output.
 *             Passes two fds: the program, then the IO memory.
 *   kForward: i64 method, i64 inputs, per input {i32 dtype, i32 rank, i64 sizes[8], u64 nbytes}
 *   kProbe:   i32 probe
 * Reply: u32 seq, i32 status, str text (at most kMaxText bytes), then on ET_OK
 *   kLoad:    per method, per input: ET_MAX_RANK bytes (0 or 1: that dimension is dynamic)
 *   kForward: i64 elapsed ns, i64 outputs, per output {i32 dtype, i32 rank, i64 sizes[8], u64 nbytes}
 *   kProbe:   i32 errno
 */
#ifndef ET4J_IPC_H
#define ET4J_IPC_H

#include <linux/futex.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace et4j_ipc {

constexpr int kWorkerFd = 3;             // the worker's end of the socketpair
constexpr size_t kMaxMessage = 1 << 18;  // bytes per message (SEQPACKET keeps boundaries)
constexpr int64_t kMaxIo = 1024;         // inputs or outputs per method
constexpr long long kSpinNs = 100000;   // both sides busy-poll this long for the next message
constexpr const char *kDebugEnv = "ET4J_WORKER_DEBUG_HOOKS";
constexpr size_t kMaxText = 4096;        // bytes of a reply's error text
constexpr size_t kMaxFds = 2;            // fds one message may pass
constexpr const char *kSandboxArg = "sandbox";  // argv[2] of a worker that sandboxes itself

enum Type : int32_t {
  kLoad = 1,     // -> the load reply
  kForward = 2,  // -> the forward reply
  kProbe = 3,    // debug hooks only -> the probe reply
  kQuit = 4,     // no reply; the worker exits 0
  kWake = 5      // worker -> client on the socket, no payload: a reply is in the ring
};

// After a successful load every request and reply travels through this ring at the start of the
// IO memory instead of the socket: a round trip costs two stores and two loads while both sides
// spin (a socket round trip is two sendmsg and two recvmsg, 15-20 us on a busy VM). A side that
// stops spinning sleeps: the worker in FUTEX_WAIT on `request`, the client in poll() on the socket,
// where the worker's death shows as EOF and a kWake message means "the reply is in". The client
// copies a reply out of the ring before reading a byte of it (the worker may still write there)
// and checks it exactly as it checks a reply from the socket.
constexpr size_t kRingMessage = 128 * 1024;  // >= a forward request or reply of kMaxIo tensors
struct Ring {
  alignas(64) std::atomic<uint32_t> request;  // sequence number of the request in `req` (client)
  alignas(64) std::atomic<uint32_t> reply;    // sequence number of the reply in `rep` (worker)
  alignas(64) std::atomic<uint32_t> worker_asleep;  // 1: the worker waits in FUTEX_WAIT on request
  std::atomic<uint32_t> client_asleep;              // 1: the client waits for a kWake message
  uint32_t request_len;
  uint32_t reply_len;
  alignas(64) uint8_t req[kRingMessage];
  alignas(64) uint8_t rep[kRingMessage];
};
static_assert(std::atomic<uint32_t>::is_always_lock_free, "the ring's words are shared between processes");
constexpr uint64_t kRingBytes = (sizeof(Ring) + 4095) & ~uint64_t(4095);  // the slots start here

inline int64_t now_ns() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

// Busy-waits up to kSpinNs for ready(); returns whether it came. Both sides wait like this for the
// other's next message: back-to-back calls then skip the wake-up of a sleeping process.
template <typename Ready> bool spin_for(Ready ready) {
  int64_t start = now_ns();
  for (uint32_t i = 1;; i++) {
    if (ready()) return true;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
    if ((i & 255) == 0) {
      if (now_ns() - start > kSpinNs) return false;
      sched_yield();  // on a busy machine, the other side may need this CPU
    }
  }
}

// FUTEX_WAIT / FUTEX_WAKE on a word of the shared memory (not FUTEX_PRIVATE: two processes).
inline long futex_wait(std::atomic<uint32_t> *word, uint32_t expected) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t *>(word), FUTEX_WAIT, expected, nullptr, nullptr, 0);
}
inline long futex_wake(std::atomic<uint32_t> *word) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t *>(word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Debug probes (worker started with kDebugEnv=1 only): each tries one thing and reports errno.
enum Probe : int32_t {
  kProbeOpen = 1,     // openat("/etc/hostname", O_RDONLY)
  kProbeSocket = 2,   // socket(AF_INET, SOCK_STREAM, 0)
  kProbeExecve = 3,   // execve("/bin/true")
  kProbePtrace = 4,   // ptrace(PTRACE_TRACEME)
  kProbeCrash = 5,    // a write through a null pointer (SIGSEGV)
  kProbeHang = 6,     // sleeps forever
  kProbeAbort = 7,    // abort() (SIGABRT)
  kProbeSpin = 8,     // burns CPU forever (for RLIMIT_CPU)
  kProbeTgkillParent = 9,    // tgkill(parent, parent, 0): signal 0 only checks, harms nothing
  kProbeKillParent = 10,     // kill(parent, 0)
  kProbePrlimitParent = 11,  // prlimit64(parent, RLIMIT_CPU, NULL, &old): reads only
  kProbeSetOwnLimit = 12,    // prlimit64(0, RLIMIT_CPU, &same, NULL): any change of a limit
  kProbeTkill = 13,          // tkill(own tid, 0)
  kProbeStat = 14,           // newfstatat(AT_FDCWD, "/etc/passwd")
  kProbeUname = 15,          // uname
  kProbeTgkillSelf = 16      // tgkill(own pid, own tid, 0): allowed (abort() and raise() need it)
};

struct Writer {
  std::vector<uint8_t> buf;
  template <typename T> void put(const T &v) {
    const auto *p = reinterpret_cast<const uint8_t *>(&v);
    buf.insert(buf.end(), p, p + sizeof(T));
  }
  void bytes(const void *p, size_t n) {
    put<uint64_t>(n);
    const auto *b = static_cast<const uint8_t *>(p);
    buf.insert(buf.end(), b, b + n);
  }
  void str(const std::string &s) { bytes(s.data(), s.size()); }
};

struct Reader {
  const uint8_t *p;
  size_t left;
  bool ok = true;
  Reader(const void *data, size_t n) : p(static_cast<const uint8_t *>(data)), left(n) {}
  template <typename T> T get() {
    T v{};
    if (left < sizeof(T)) {
      ok = false;
      return v;
    }
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    left -= sizeof(T);
    return v;
  }
  // Whether every byte was read.
  bool done() const { return ok && left == 0; }
  std::string str(size_t max = SIZE_MAX) {
    uint64_t n = get<uint64_t>();
    if (!ok || n > left || n > max) {
      ok = false;
      return {};
    }
    std::string s(reinterpret_cast<const char *>(p), n);
    p += n;
    left -= n;
    return s;
  }
};

// Sends one message on `sock`, passing `nfds` fds (at most kMaxFds) with SCM_RIGHTS (retries
// EINTR). Both sides use it; returns whether the whole message went out.
inline bool send_message(int sock, const Writer &w, const int *fds = nullptr, size_t nfds = 0) {
  struct iovec iov = {const_cast<uint8_t *>(w.buf.data()), w.buf.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  if (nfds > 0 && nfds <= kMaxFds) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(w.buf.size());
}

// The receiving side of send_message: a message header over `buf` with room for kMaxFds passed
// fds (more are closed by the kernel and flagged MSG_CTRUNC). Both sides use it; the header
// points into itself, so it is never copied.
struct Inbox {
  struct iovec iov;
  struct msghdr msg = {};
  alignas(struct cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  Inbox(void *buf, size_t size) : iov{buf, size} {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  Inbox(const Inbox &) = delete;
  Inbox &operator=(const Inbox &) = delete;
  // One recvmsg (no retry: the callers wait in different ways); passed fds are close-on-exec.
  ssize_t recv(int sock, int flags) { return recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags); }
  // The fds the last received message passed (the caller owns them), in order.
  std::vector<int> fds() {
    std::vector<int> out;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
      size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; i++) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        out.push_back(fd);
      }
    }
    return out;
  }
  // Whether the kernel dropped passed fds or bytes that did not fit.
  bool truncated() const { return (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0; }
};

}  // namespace et4j_ipc
#endif
