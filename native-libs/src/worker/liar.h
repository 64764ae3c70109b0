// liar.h - the lies of et4j-worker-liar, a test-only build of the worker (compiled with
// ET4J_LIAR, never shipped: it is installed under test-only/ and left out of the jar). It serves
// requests as the real worker does, except for the one lie named by the basename of its argv[0]
// (the tests start it through a symlink called, e.g., "load-count"): each lie breaks one field
// or one rule of et4j_ipc.h, so that a test can show the client refuses it. In the real worker
// `lying` is constant false and every lie compiles away.
#ifndef ET4J_LIAR_H
#define ET4J_LIAR_H

#include <cstring>

namespace et4j_liar {

enum Lie {
  kTruth = 0,
  // the load reply
  kLoadSeq,        // repeats another request's sequence number
  kLoadStatus,     // a status no facade defines
  kLoadText,       // an error text longer than kMaxText
  kLoadMask,       // a dynamic-dimension mask byte that is neither 0 nor 1
  kLoadShort,      // a mask missing
  kLoadLayout,     // appends an offset and a size of its own choosing for a slot
  kLoadFd,         // passes an fd along (a memfd the client did not ask for)
  kLoadGarbage,    // random bytes instead of a reply
  kLoadLate,       // answers after the client's deadline
  kLoadExit,       // answers, then exits
  // the forward reply
  kForwardSeq,
  kForwardStatus,
  kForwardCount,     // one output more than the method has
  kForwardNbytes,    // more bytes than the output's slot holds
  kForwardShape,     // bytes that do not match the shape and dtype
  kForwardRank,      // rank 9 (more than ET_MAX_RANK)
  kForwardNegative,  // a negative size
  kForwardOverflow,  // sizes whose product overflows 64 bits
  kForwardDtype,     // a dtype code no runtime defines
  kForwardElapsed,   // a negative execute time
  kForwardFd,
  kForwardGarbage,
  kForwardLate,
  kForwardExit,
  kForwardTwice,     // answers twice: the second is a stale reply to the next request
  kForwardScribble,  // after answering, overwrites the outputs in the shared memory
  kLieCount
};

const char *const kNames[kLieCount] = {
    "truth",          "load-seq",         "load-status",     "load-text",       "load-mask",
    "load-short",     "load-layout",      "load-fd",         "load-garbage",    "load-late",
    "load-exit",      "forward-seq",      "forward-status",  "forward-count",   "forward-nbytes",
    "forward-shape",  "forward-rank",     "forward-negative", "forward-overflow", "forward-dtype",
    "forward-elapsed", "forward-fd",      "forward-garbage", "forward-late",    "forward-exit",
    "forward-twice",  "forward-scribble"};

#ifdef ET4J_LIAR
inline Lie g_lie = kTruth;
inline void choose(const char *argv0) {
  const char *base = std::strrchr(argv0, '/');
  base = base ? base + 1 : argv0;
  for (int i = 0; i < kLieCount; i++)
    if (std::strcmp(base, kNames[i]) == 0) g_lie = static_cast<Lie>(i);
}
inline bool lying(Lie lie) { return g_lie == lie; }
#else
inline void choose(const char *) {}
constexpr bool lying(Lie) { return false; }
#endif

}  // namespace et4j_liar
#endif
