// spawner.h - one long-lived thread that starts every worker process (client_linux.cpp).
#ifndef ET4J_SPAWNER_H
#define ET4J_SPAWNER_H

#include <csignal>
#include <spawn.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace et4j_spawner {

// Spawns every worker from one thread that lives as long as the process. Why: the worker's
// PR_SET_PDEATHSIG fires when the *thread* that spawned it ends, and a caller's thread (a
// pool's, a Spark task's, a virtual thread's carrier) may end any time after loading a model.
class Spawner {
 public:
  // Never destroyed: its thread must outlive static destructors.
  static Spawner &get() {
    static Spawner *s = new Spawner();
    return *s;
  }
  int spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
            char **argv, char **envp) {
    Job job{pid, path, fa, attr, argv, envp};
    std::unique_lock<std::mutex> lock(mu_);
    jobs_.push_back(&job);
    cv_.notify_all();
    cv_.wait(lock, [&] { return job.done; });
    return job.rc;
  }

 private:
  struct Job {
    pid_t *pid;
    const char *path;
    const posix_spawn_file_actions_t *fa;
    const posix_spawnattr_t *attr;
    char **argv, **envp;
    int rc = 0;
    bool done = false;
  };
  Spawner() { std::thread([this] { serve(); }).detach(); }
  void serve() {
    // No signal is for this thread (the workers reset their mask and handlers at spawn).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !jobs_.empty(); });
      Job *j = jobs_.front();
      jobs_.pop_front();
      j->rc = posix_spawn(j->pid, j->path, j->fa, j->attr, j->argv, j->envp);
      j->done = true;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job *> jobs_;
};

}  // namespace et4j_spawner
#endif
