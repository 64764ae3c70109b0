// error.cpp - the facade's one last-error mechanism: the thread-local error text, the runtime
// log captured into it, the runtime's one-time setup, et_last_error and et_version.
#include "internal.h"

#include <executorch/runtime/platform/platform.h>
#include <executorch/runtime/platform/runtime.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace et4j {

thread_local std::string t_last_error;
thread_local std::string t_runtime_log;
thread_local std::string t_kernel_failure;

namespace {

bool g_echo_log = false;
std::once_flag g_init_once;

void pal_log(et_timestamp_t, et_pal_log_level_t level, const char *, const char *, size_t,
             const char *message, size_t length) {
  if (g_echo_log) std::fprintf(stderr, "[executorch %c] %.*s\n", (char)level, (int)length, message);
  if (level != kError && level != kFatal) return;
  if (t_runtime_log.size() > 2048) return;
  if (!t_runtime_log.empty()) t_runtime_log += "; ";
  t_runtime_log.append(message, strnlen(message, length));
}

void init_runtime() {
  const char *echo = std::getenv("EXECUTORCH4J_LOG");
  g_echo_log = echo != nullptr && echo[0] != '\0' && echo[0] != '0';
  executorch::runtime::register_pal(
      executorch::runtime::PalImpl::create(pal_log, __FILE__));
  executorch::runtime::runtime_init();
}

}  // namespace

void ensure_runtime() { std::call_once(g_init_once, init_runtime); }

const char *error_name(int32_t code) {
  switch (code) {
    case 0x01: return "Internal";
    case 0x02: return "InvalidState";
    case 0x03: return "EndOfMethod";
    case 0x04: return "AlreadyLoaded";
    case 0x10: return "NotSupported";
    case 0x11: return "NotImplemented";
    case 0x12: return "InvalidArgument";
    case 0x13: return "InvalidType";
    case 0x14: return "OperatorMissing";
    case 0x20: return "NotFound";
    case 0x21: return "MemoryAllocationFailed";
    case 0x22: return "AccessFailed";
    case 0x23: return "InvalidProgram";
    case 0x24: return "InvalidExternalData";
    case 0x25: return "OutOfResources";
    case 0x30: return "DelegateInvalidCompatibility";
    case 0x31: return "DelegateMemoryAllocationFailed";
    case 0x32: return "DelegateInvalidHandle";
    default: return "Error";
  }
}


// Records the failure text for et_last_error() and returns the status.
et_status fail(et_status status, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  t_last_error = buf;
  if (!t_runtime_log.empty()) {
    t_last_error += " [runtime: ";
    t_last_error += t_runtime_log;
    t_last_error += "]";
  }
  return status;
}

et_status fail_runtime(Error e, const char *what) {
  auto code = static_cast<int32_t>(e);
  return fail(code, "%s: %s (0x%x)", what, error_name(code), code);
}

// An execute that failed: a caller kernel's failure is named as such, anything else is the runtime's.
et_status execution_failed(Error e, const char *what) {
  if (!t_kernel_failure.empty()) return fail(ET_ERR_KERNEL_FAILED, "%s: %s", what, t_kernel_failure.c_str());
  return fail_runtime(e, what);
}


}  // namespace et4j

// A sanitized build says so, so a test run can prove which facade it loaded.
#if defined(__SANITIZE_ADDRESS__)
#define ET4J_BUILD_FLAVOR " +asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ET4J_BUILD_FLAVOR " +asan"
#endif
#endif
#ifndef ET4J_BUILD_FLAVOR
#define ET4J_BUILD_FLAVOR ""
#endif

extern "C" {

const char *et_version(void) { return "executorch4j-facade 0.1.0 (ExecuTorch 1.5.1)" ET4J_BUILD_FLAVOR; }

const char *et_last_error(void) { return et4j::t_last_error.c_str(); }

et_status et_runtime_init(void) {
  ET4J_GUARD_BEGIN
  et4j::ensure_runtime();
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"
