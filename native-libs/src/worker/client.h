// client.h - the client's state for one worker and its transport (transport.cpp): requests and
// replies over the socket before loading and over the shared-memory ring after, with the worker's
// death, silence or protocol break turned into a recorded status. Used by client_linux.cpp.
#ifndef ET4J_CLIENT_H
#define ET4J_CLIENT_H

#include "../facade/internal.h"
#include "et4j_ipc.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct et_worker {
  struct Slot {
    uint64_t offset, capacity;
  };
  struct Method {
    std::vector<Slot> inputs, outputs;
    std::vector<std::array<uint8_t, ET_MAX_RANK>> masks;
    // Outputs are copied here at the reply, so that the views callers get are not memory the
    // worker can still write to.
    std::vector<std::unique_ptr<uint8_t, decltype(&std::free)>> copies;
  };
  std::mutex mu;
  pid_t pid = 0;
  int sock = -1;
  uint32_t seq = 0;  // of the last request
  int64_t timeout_ms = 0;
  et_worker_config config{};
  et_status death_status = ET_OK;  // set once the worker is gone
  std::string death;
  uint8_t *io = nullptr;
  size_t io_size = 0;
  et4j_ipc::Ring *ring = nullptr;  // at the start of io, once a program is loaded
  std::vector<Method> methods;
  std::vector<uint8_t> buf = std::vector<uint8_t>(et4j_ipc::kMaxMessage);
};

namespace et4j_client {

// Reaps the worker (killing it if it lingers) and records why it is gone; `what` (nullable)
// names the protocol rule it broke.
void worker_reap(et_worker *w, et_status status, const char *during, const char *what = nullptr);
// The recorded death as the status of the call that found it.
et_status worker_gone(const et_worker *w);
// A reply that breaks the protocol: the worker is killed and not believed again.
et_status violation(et_worker *w, const char *during, const char *what);
// One request and its reply, copied into w->buf. Returns the reply's size, or 0 after recording
// the worker's death (the status is then w->death_status).
size_t worker_call(et_worker *w, const et4j_ipc::Writer &req, const int *fds, size_t nfds, const char *during);

}  // namespace et4j_client
#endif
