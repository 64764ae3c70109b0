// glibc_floor.h - keeps our Linux natives (libet4j.so, the Godot shim) loadable on glibc 2.28,
// the floor of the ExecuTorch wheels they ship with (manylinux_2_28), although they are built
// on a newer glibc. glibc 2.34 moved the pthread and dl* functions into libc under a new symbol
// version; the old versions are still exported, so references are bound to them here (on an
// older glibc they come from libpthread/libdl, which the targets link with --no-as-needed).
// stat() is versioned 2.33: use statx (2.28). Include first, from C or C++.
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
__asm__(".symver dlopen,dlopen@" ET4J_GLIBC_BASE);
__asm__(".symver dlsym,dlsym@" ET4J_GLIBC_BASE);
__asm__(".symver dlerror,dlerror@" ET4J_GLIBC_BASE);
__asm__(".symver dladdr,dladdr@" ET4J_GLIBC_BASE);
__asm__(".symver dlclose,dlclose@" ET4J_GLIBC_BASE);
#endif
