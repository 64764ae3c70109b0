// transport.cpp - the client's transport (client.h): the socket, the ring, and how a worker's
// death, silence or broken reply becomes a status.
#include "client.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace et4j;

namespace et4j_client {
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

}  // namespace

// Reaps the worker (killing it if it lingers) and records why it is gone; `what` (nullable)
// names the protocol rule it broke.
void worker_reap(et_worker *w, et_status status, const char *during, const char *what) {
  int st = 0;
  pid_t r = 0;
  for (int i = 0; i < 200 && (r = waitpid(w->pid, &st, WNOHANG)) == 0; i++) usleep(5000);
  if (r == 0) {
    kill(w->pid, SIGKILL);
    r = waitpid(w->pid, &st, 0);
  }
  char text[512];
  if (what != nullptr) {
    std::snprintf(text, sizeof text, "the worker (pid %d) sent a reply that breaks the protocol during %s (%s) and was killed",
                  (int)w->pid, during, what);
  } else if (status == ET_ERR_TIMEOUT) {
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

// A reply that breaks the protocol: the worker is not to be believed again.
et_status violation(et_worker *w, const char *during, const char *what) {
  kill(w->pid, SIGKILL);
  worker_reap(w, ET_ERR_WORKER_CRASHED, during, what);
  return worker_gone(w);
}

namespace {

// Waits on the socket until it is readable or the call's deadline passes. Returns false after
// recording the worker's death (a timeout kills it).
bool wait_readable(et_worker *w, std::chrono::steady_clock::time_point deadline, const char *during) {
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
      return false;
    }
    return true;
  }
}

// Receives one message from the socket without waiting into w->buf. Returns its size, 0 when
// none is there (EAGAIN), kClosed when the worker's end is closed (its death recorded unless
// `keep_on_eof`: a reply already in the ring is still its answer), or -1 after recording the
// worker's death for a message that passes an fd or does not fit.
constexpr ssize_t kClosed = -2;
ssize_t recv_now(et_worker *w, const char *during, bool keep_on_eof = false) {
  et4j_ipc::Inbox in(w->buf.data(), w->buf.size());
  ssize_t n;
  do {
    n = in.recv(w->sock, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  if (n <= 0) {
    if (!keep_on_eof) worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return kClosed;
  }
  std::vector<int> passed = in.fds();
  for (int fd : passed) close(fd);
  if (!passed.empty() || in.truncated()) {
    violation(w, during, passed.empty() ? "a message larger than any message" : "a message that passes an fd");
    return -1;
  }
  return n;
}

// The ring's round trip (et4j_ipc.h): the request is published, the reply waited for by spinning,
// then by sleeping on the socket for kWake messages (or the worker's EOF), and copied into w->buf
// before anything reads it.
size_t ring_call(et_worker *w, const et4j_ipc::Writer &req, const char *during) {
  et4j_ipc::Ring *ring = w->ring;
  std::memcpy(ring->req, req.buf.data(), req.buf.size());
  ring->request_len = static_cast<uint32_t>(req.buf.size());
  ring->request.store(w->seq);
  if (ring->worker_asleep.load()) et4j_ipc::futex_wake(&ring->request);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(w->timeout_ms);
  auto answered = [&] { return ring->reply.load(std::memory_order_acquire) == w->seq; };
  if (!et4j_ipc::spin_for(answered)) {
    ring->client_asleep.store(1);
    while (!answered()) {
      if (!wait_readable(w, deadline, during)) return 0;
      ssize_t n;
      // kWake messages, nothing else. A reply may be followed by the worker's exit: the EOF behind
      // it is then left for the next call to find.
      while ((n = recv_now(w, during, true)) > 0) {
        et4j_ipc::Reader r(w->buf.data(), static_cast<size_t>(n));
        if (r.get<int32_t>() != et4j_ipc::kWake || !r.done()) {
          violation(w, during, "a message other than a wake-up on the socket");
          return 0;
        }
      }
      if (n == -1) return 0;
      if (n == kClosed && !answered()) {
        worker_reap(w, ET_ERR_WORKER_CRASHED, during);
        return 0;
      }
      if (n == kClosed) break;
    }
    ring->client_asleep.store(0);
  }
  uint32_t len = ring->reply_len;  // read once: the worker may change it
  if (len > et4j_ipc::kRingMessage) {
    violation(w, during, "a reply larger than the ring");
    return 0;
  }
  std::memcpy(w->buf.data(), ring->rep, len);
  return len;
}

}  // namespace

// One request and its reply. Returns the reply's size, or 0 after recording the worker's death
// (the status is then w->death_status). A reply that passes fds is a violation.
size_t worker_call(et_worker *w, const et4j_ipc::Writer &req, const int *fds, size_t nfds, const char *during) {
  if (w->ring != nullptr && nfds == 0 && req.buf.size() <= et4j_ipc::kRingMessage) return ring_call(w, req, during);
  if (!et4j_ipc::send_message(w->sock, req, fds, nfds)) {
    worker_reap(w, ET_ERR_WORKER_CRASHED, during);
    return 0;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(w->timeout_ms);
  // Busy-poll briefly first: a fast call's reply then arrives without this thread sleeping.
  et4j_ipc::spin_for([&] {
    struct pollfd p = {w->sock, POLLIN, 0};
    return poll(&p, 1, 0) != 0;
  });
  ssize_t n = 0;
  while (n == 0) {
    if (!wait_readable(w, deadline, during)) return 0;
    n = recv_now(w, during);
  }
  return n < 0 ? 0 : static_cast<size_t>(n);
}

}  // namespace et4j_client
