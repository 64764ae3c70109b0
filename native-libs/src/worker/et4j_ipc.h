/*
 * et4j_ipc.h - the wire format between the facade (et_worker_* in client_linux.cpp) and the
 * isolated worker process (et4j_worker.cpp). Internal: not part of et4j.h.
 *
 * One SOCK_SEQPACKET socketpair carries requests and replies, one message each, in turn (the
 * client never sends a second request before the reply). Tensor data never travels on it: the
 * worker creates one memfd after loading, with a fixed slot per input and output of every
 * method (its declared, upper-bound size), and passes the fd with SCM_RIGHTS; both sides map it.
 * Messages are little structs of fixed-size fields written with IpcWriter / read with IpcReader.
 */
#ifndef ET4J_IPC_H
#define ET4J_IPC_H

#include <sys/socket.h>
#include <sys/types.h>

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

enum Type : int32_t {
  kLoad = 1,     // -> LoadReply (+ the IO memfd)
  kForward = 2,  // -> ForwardReply
  kProbe = 3,    // debug hooks only -> ProbeReply
  kQuit = 4      // no reply; the worker exits 0
};

// Debug probes (worker started with kDebugEnv=1 only): each tries one thing and reports errno.
enum Probe : int32_t {
  kProbeOpen = 1,     // openat("/etc/hostname", O_RDONLY)
  kProbeSocket = 2,   // socket(AF_INET, SOCK_STREAM, 0)
  kProbeExecve = 3,   // execve("/bin/true")
  kProbePtrace = 4,   // ptrace(PTRACE_TRACEME)
  kProbeCrash = 5,    // a write through a null pointer (SIGSEGV)
  kProbeHang = 6,     // sleeps forever
  kProbeAbort = 7,    // abort() (SIGABRT)
  kProbeSpin = 8      // burns CPU forever (for RLIMIT_CPU)
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
  std::string str() {
    uint64_t n = get<uint64_t>();
    if (!ok || n > left) {
      ok = false;
      return {};
    }
    std::string s(reinterpret_cast<const char *>(p), n);
    p += n;
    left -= n;
    return s;
  }
};

// Sends one message on `sock`, passing `fd` with SCM_RIGHTS when it is >= 0 (retries EINTR).
// Both sides use it; returns whether the whole message went out.
inline bool send_message(int sock, const Writer &w, int fd = -1) {
  struct iovec iov = {const_cast<uint8_t *>(w.buf.data()), w.buf.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(w.buf.size());
}

// The receiving side of send_message: a message header over `buf` with room for one passed fd.
// Both sides use it; the header points into itself, so it is never copied.
struct Inbox {
  struct iovec iov;
  struct msghdr msg = {};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
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
  // The fd the last received message passed, or -1.
  int fd() {
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
  }
};

}  // namespace et4j_ipc
#endif
