// sandbox.h - the isolated worker's confinement (Linux): an empty root in a mount namespace of its
// own, and two stacked seccomp-bpf filters, one before the program's first byte is read (load)
// and a stricter one once every method is loaded (execute). Internal to et4j-worker.
#ifndef ET4J_SANDBOX_H
#define ET4J_SANDBOX_H

#include <string>

namespace et4j_sandbox {

// Enters a new user and mount namespace. Must run while the process has one thread (the kernel
// refuses a multithreaded caller); *why gets the reason when it cannot (e.g. unprivileged user
// namespaces disabled), and the worker goes on without this layer.
bool enter_namespaces(std::string *why);

// In those namespaces, replaces the root by an empty read-only tmpfs and drops the old one, so no
// path of the host resolves (stat("/etc/passwd") is ENOENT). Any thread may call it.
bool empty_root(std::string *why);

enum Stage {
  kLoadStage,    // reading and loading the program: threads may still be created
  kExecuteStage  // stacked on the load filter: no new threads, no executable memory
};

// no_new_privs and the filter of `stage`, on every thread (TSYNC). Both stages allow memory,
// futexes, clocks, the socket it holds, signals to itself only (tgkill with its own pid), and
// reading its own limits; they refuse with EPERM everything else: open, stat by path, socket,
// connect, execve, ptrace, kill, tkill, setting any limit, uname, sysinfo, mount.
bool apply_filter(Stage stage, std::string *why);

}  // namespace et4j_sandbox
#endif
