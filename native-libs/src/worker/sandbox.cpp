// sandbox.cpp - see sandbox.h.
#include "sandbox.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace et4j_sandbox {

namespace {

std::string err(const char *what) { return std::string(what) + ": " + std::strerror(errno); }

#if defined(__x86_64__)
#define ET4J_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ET4J_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

// seccomp_data's argument words (little-endian: the low 32 bits first).
constexpr uint32_t arg_lo(int i) { return offsetof(struct seccomp_data, args) + 8 * i; }
constexpr uint32_t arg_hi(int i) { return arg_lo(i) + 4; }

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kDeny = SECCOMP_RET_ERRNO | EPERM;

struct Filter {
  std::vector<sock_filter> f;
  void load(uint32_t offset) { f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void ret(uint32_t action) { f.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  // After this, the accumulator no longer holds the syscall number: every block ends in a return.
  // Emits "if (nr == `nr`) { block }" where block is `len` instructions ending in returns.
  void when(long nr, size_t len) {
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, static_cast<uint8_t>(len)));
  }
  void reload_nr() { load(offsetof(struct seccomp_data, nr)); }
  // nr allowed when every (word, value) pair holds, else EPERM; then the number is reloaded.
  void allow_if(long nr, std::initializer_list<std::pair<uint32_t, uint32_t>> equal) {
    size_t n = equal.size();
    when(nr, 2 * n + 2);
    size_t i = 0;
    for (auto [word, value] : equal) {
      load(word);
      size_t after = n - i - 1;  // checks left after this one
      f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, static_cast<uint8_t>(2 * after + 1)));
      i++;
    }
    ret(kAllow);
    ret(kDeny);
  }
  // nr allowed only when `mask` is set (set = true) or unset (false) in argument word `word`.
  void allow_if_flag(long nr, uint32_t word, uint32_t mask, bool set) {
    when(nr, 4);
    load(word);
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, set ? 0 : 1, set ? 1 : 0));
    ret(kAllow);
    ret(kDeny);
  }
  void allow_unless_set(long nr, uint32_t word, uint32_t mask) { allow_if_flag(nr, word, mask, false); }
  void allow_if_set(long nr, uint32_t word, uint32_t mask) { allow_if_flag(nr, word, mask, true); }
};

// What both stages allow without looking at arguments: memory, futexes, clocks, the socket and
// fds the worker already holds, signal handling, its own ids.
const long kAlwaysAllowed[] = {
    SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_close, SYS_fstat, SYS_lseek, SYS_pread64,
    SYS_munmap, SYS_brk, SYS_mremap, SYS_madvise,
    SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
    SYS_sched_yield, SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_gettime, SYS_clock_getres,
    SYS_gettimeofday, SYS_getpid, SYS_gettid, SYS_getppid, SYS_exit, SYS_exit_group,
    SYS_futex, SYS_set_robust_list, SYS_get_robust_list, SYS_set_tid_address,
    SYS_sendmsg, SYS_recvmsg, SYS_sendto, SYS_recvfrom, SYS_ppoll,
    SYS_sched_getaffinity, SYS_getrandom, SYS_membarrier, SYS_getcpu, SYS_restart_syscall,
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

}  // namespace

bool enter_namespaces(std::string *why) {
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    *why = err("unshare(user, mount namespace)");
    return false;
  }
  // Nothing done in this namespace may reach the parent's mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = err("mount --make-rprivate /");
    return false;
  }
  return true;
}

bool empty_root(std::string *why) {
  // Any existing directory can carry the new root's mount: it is only seen in this namespace.
  const char *points[] = {"/tmp", "/mnt", "/var/tmp", "/dev"};
  const char *point = nullptr;
  for (const char *p : points) {
    if (mount("et4j-empty", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") == 0) {
      point = p;
      break;
    }
  }
  if (point == nullptr) {
    *why = err("mount tmpfs");
    return false;
  }
  // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves the empty one.
  if (chdir(point) != 0 || syscall(SYS_pivot_root, ".", ".") != 0) {
    *why = err("pivot_root");
    return false;
  }
  if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0) {
    *why = err("umount the old root");
    return false;
  }
  mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  return true;
}

bool apply_filter(Stage stage, std::string *why) {
#ifdef ET4J_AUDIT_ARCH
  Filter b;
  b.load(offsetof(struct seccomp_data, arch));
  b.f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ET4J_AUDIT_ARCH, 1, 0));
  b.ret(SECCOMP_RET_KILL_PROCESS);
  b.reload_nr();
  for (long nr : kAlwaysAllowed) {
    b.when(nr, 1);
    b.ret(kAllow);
  }
  const uint32_t self = static_cast<uint32_t>(getpid());
  // Signals to itself only (abort, raise, pthread_kill): a tgkill naming another process fails.
  b.allow_if(SYS_tgkill, {{arg_lo(0), self}});
  b.reload_nr();
  // Its own limits may be read (getrlimit is prlimit64(0, r, NULL, &old)), never changed.
  b.allow_if(SYS_prlimit64, {{arg_lo(0), 0}, {arg_hi(0), 0}, {arg_lo(2), 0}, {arg_hi(2), 0}});
  b.reload_nr();
  // newfstatat is refused whatever its flags (a path is looked up even with AT_EMPTY_PATH): the
  // worker uses fstat(2) itself, which takes only an fd.
  if (stage == kLoadStage) {
    // Threads of this process only (CLONE_THREAD), never a new process.
    b.allow_if_set(SYS_clone, arg_lo(0), CLONE_THREAD);
    b.reload_nr();
    b.when(SYS_mmap, 1);
    b.ret(kAllow);
    b.when(SYS_mprotect, 1);
    b.ret(kAllow);
    // For stacking the execute-stage filter: a filter only ever takes rights away.
    b.when(SYS_seccomp, 1);
    b.ret(kAllow);
  } else {
    // Loaded code only: no new executable memory once every method is loaded.
    b.allow_unless_set(SYS_mmap, arg_lo(2), PROT_EXEC);
    b.reload_nr();
    b.allow_unless_set(SYS_mprotect, arg_lo(2), PROT_EXEC);
    b.reload_nr();
  }
#ifdef SYS_clone3
  // glibc falls back to clone when clone3 is not there; clone's flags can be checked, clone3's cannot.
  b.when(SYS_clone3, 1);
  b.ret(SECCOMP_RET_ERRNO | ENOSYS);
#endif
  b.ret(kDeny);
  struct sock_fprog prog = {static_cast<unsigned short>(b.f.size()), b.f.data()};
  // Set once, before the first filter (which then refuses prctl).
  if (stage == kLoadStage && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *why = err("no_new_privs");
    return false;
  }
  // TSYNC: every thread of the worker (the runtime's pool included) gets the filter.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
    *why = err("seccomp");
    return false;
  }
  return true;
#else
  *why = "no seccomp filter for this architecture";
  return false;
#endif
}

}  // namespace et4j_sandbox
