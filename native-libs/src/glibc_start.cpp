// glibc_start.cpp - lets an executable built here (et4j-worker) start on glibc 2.28, the floor of
// the ExecuTorch wheels (see glibc_floor.h). The startup code of glibc >= 2.34 (crt1.o) calls
// __libc_start_main@GLIBC_2.34 with no init function, leaving the executable's constructors to
// the new libc. Linked with -Wl,--wrap=__libc_start_main, that call lands here and goes to the
// old symbol version with an init function that runs the constructors as pre-2.34 startup code
// did (__libc_csu_init): glibc 2.34+ calls it like any legacy program's, older glibc needs it.
#if defined(__linux__)
#include <features.h>
#if defined(__GLIBC__)
#include "glibc_floor.h"  // ET4J_GLIBC_BASE

using init_fn = void (*)(int, char **, char **);

extern "C" {
// Delimit the executable's constructor arrays (defined by the linker) and its _init (crti.o).
extern init_fn __preinit_array_start[] __attribute__((visibility("hidden")));
extern init_fn __preinit_array_end[] __attribute__((visibility("hidden")));
extern init_fn __init_array_start[] __attribute__((visibility("hidden")));
extern init_fn __init_array_end[] __attribute__((visibility("hidden")));
void _init(void);

int et4j_libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, init_fn init,
                         void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
__asm__(".symver et4j_libc_start_main,__libc_start_main@" ET4J_GLIBC_BASE);

static void et4j_run_constructors(int argc, char **argv, char **envp) {
  for (init_fn *f = __preinit_array_start; f < __preinit_array_end; f++) (*f)(argc, argv, envp);
  _init();
  for (init_fn *f = __init_array_start; f < __init_array_end; f++) (*f)(argc, argv, envp);
}

int __wrap___libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, init_fn /*init*/,
                             void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
  return et4j_libc_start_main(main, argc, argv, et4j_run_constructors, fini, rtld_fini, stack_end);
}
}
#endif
#endif
