// spawner.h - one long-lived thread that starts every worker process (client_linux.cpp).
#ifndef ET4J_SPAWNER_H
#define ET4J_SPAWNER_H

#include <csignal>
#include <pthread.h>
#include <spawn.h>

#include <thread>

namespace et4j_spawner {

// Spawns every worker from one thread that lives as long as the process. Why: the worker's
// PR_SET_PDEATHSIG fires when the *thread* that spawned it ends, and a caller's thread (a
// pool's, a Spark task's, a virtual thread's carrier) may end any time after loading a model.
// pthread primitives, not std::condition_variable/std::deque: those bind newer libstdc++ symbol
// versions than the ExecuTorch wheels need (scripts/check-natives.py).
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
    pthread_mutex_lock(&mu_);
    Job **tail = &jobs_;
    while (*tail) tail = &(*tail)->next;
    *tail = &job;
    pthread_cond_broadcast(&cv_);
    while (!job.done) pthread_cond_wait(&cv_, &mu_);
    pthread_mutex_unlock(&mu_);
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
    Job *next = nullptr;
  };
  Spawner() { std::thread([this] { serve(); }).detach(); }
  void serve() {
    // No signal is for this thread (the workers reset their mask and handlers at spawn).
    // sigprocmask acts on the calling thread only, like pthread_sigmask, on an older glibc symbol.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    pthread_mutex_lock(&mu_);
    for (;;) {
      while (!jobs_) pthread_cond_wait(&cv_, &mu_);
      Job *j = jobs_;
      jobs_ = j->next;
      j->rc = posix_spawn(j->pid, j->path, j->fa, j->attr, j->argv, j->envp);
      j->done = true;
      pthread_cond_broadcast(&cv_);
    }
  }
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv_ = PTHREAD_COND_INITIALIZER;
  Job *jobs_ = nullptr;
};

}  // namespace et4j_spawner
#endif
