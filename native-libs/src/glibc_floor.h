// glibc_floor.h - keeps libet4j.so loadable on glibc 2.28, the floor of the ExecuTorch
// wheels it ships with (manylinux_2_28), although it is built on a newer glibc.
// glibc 2.34 moved the pthread functions into libc under a new symbol version; the old
// versions are still exported, so references are bound to them here. Include first.
// scripts/check-natives.sh fails the build when a newer symbol version slips in.
#pragma once
#if defined(__linux__)
#include <features.h>  // defines __GLIBC__
#endif
#if defined(__linux__) && defined(__GLIBC__)
#if defined(__aarch64__)
#define ET4J_GLIBC_BASE "GLIBC_2.17"
#elif defined(__x86_64__)
#define ET4J_GLIBC_BASE "GLIBC_2.2.5"
#else
#error "no glibc floor known for this architecture"
#endif
__asm__(".symver pthread_once,pthread_once@" ET4J_GLIBC_BASE);
__asm__(".symver pthread_rwlock_rdlock,pthread_rwlock_rdlock@" ET4J_GLIBC_BASE);
__asm__(".symver pthread_rwlock_wrlock,pthread_rwlock_wrlock@" ET4J_GLIBC_BASE);
__asm__(".symver pthread_rwlock_unlock,pthread_rwlock_unlock@" ET4J_GLIBC_BASE);
#endif
