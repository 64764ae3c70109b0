/*
 * executorch4j_godot.c - the GDExtension entry point of executorch4j.
 *
 * Godot loads this library and calls executorch4j_library_init. Everything
 * after that is Java: this shim finds a JVM, starts it (or attaches to one
 * already running in the process) through the JNI invocation API, and hands
 * Godot's three pointers to executorch4j.godot.Bootstrap.init, which talks to
 * Godot's GDExtension interface through FFM downcalls and upcall stubs.
 *
 * The bundle: the folder holding the jars and jre/. In the editor it is this library's
 * folder (addons/executorch4j); in an exported game Godot 4.3 puts this library beside the
 * executable and the export plugin (EditorPlugins.java) the jars and jre/<platform> in
 * <executable dir>/executorch4j, so it is <this dir>/executorch4j when that has the jar.
 *
 * Where things are found (first match wins):
 *   JVM:       $EXECUTORCH4J_JAVA_HOME, java_home= in executorch4j.cfg next to
 *              this library (both developer overrides), the runtime bundled in
 *              <bundle>/jre/<platform> (godot/addon.sh puts it there), <bundle>/jre,
 *              $JAVA_HOME
 *   classpath: $EXECUTORCH4J_CLASSPATH, classpath= in executorch4j.cfg,
 *              <bundle>/executorch4j.jar:<bundle>/executorch4j-godot.jar:
 *              <bundle>/executorch4j-llm.jar (text generation; optional)
 *   options:   jvm_options= in executorch4j.cfg (space separated), e.g. -Xmx256m
 *
 * A missing runtime, a runtime built for another platform, and a missing or corrupted jar are
 * reported through Godot's print_error before any JVM is started; the entry then returns false
 * (Godot goes on without the extension) instead of crashing the game.
 */
#define _GNU_SOURCE
#include "glibc_floor.h" /* first: binds glibc symbols to versions the wheels' floor has */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __APPLE__
#define LIBJVM "libjvm.dylib"
#else
#define LIBJVM "libjvm.so"
#endif
/* The bundled runtime's folder name: the platform names the jar's natives use. */
#if defined(__APPLE__) && defined(__aarch64__)
#define PLATFORM "macos-aarch64"
#elif defined(__linux__) && defined(__aarch64__)
#define PLATFORM "linux-aarch64"
#elif defined(__linux__) && defined(__x86_64__)
#define PLATFORM "linux-x86_64"
#else
#define PLATFORM "unsupported"
#endif

typedef void *(*get_proc_address_fn)(const char *name);
typedef void (*print_error_fn)(const char *description, const char *function, const char *file,
                               int32_t line, uint8_t editor_notify);
typedef jint (*create_vm_fn)(JavaVM **, void **, void *);
typedef jint (*created_vms_fn)(JavaVM **, jsize, jsize *);

static print_error_fn g_print_error;

/* Reports through Godot's own error printer when it is available. */
static void report(const char *fmt, const char *a, const char *b) {
  char msg[2048];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  if (g_print_error != NULL) {
    g_print_error(msg, "executorch4j_library_init", __FILE__, __LINE__, 1);
  } else {
    fprintf(stderr, "ERROR: %s\n", msg);
  }
}

static int is_file(const char *path) {
#ifdef __linux__
  struct statx st; /* statx is in glibc 2.28; stat() is versioned 2.33 */
  return statx(AT_FDCWD, path, 0, STATX_TYPE, &st) == 0 && S_ISREG(st.stx_mode);
#else
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
#endif
}

/* Reads key=value from <dir>/executorch4j.cfg into out (empty if absent). */
static void config_value(const char *dir, const char *key, char *out, size_t out_size) {
  char path[4096];
  out[0] = '\0';
  snprintf(path, sizeof path, "%s/executorch4j.cfg", dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  char line[4096];
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
      char *v = line + klen + 1;
      v[strcspn(v, "\r\n")] = '\0';
      snprintf(out, out_size, "%s", v);
      break;
    }
  }
  fclose(f);
}

static int is_dir(const char *path) {
#ifdef __linux__
  struct statx st;
  return statx(AT_FDCWD, path, 0, STATX_TYPE, &st) == 0 && S_ISDIR(st.stx_mode);
#else
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
#endif
}

/* The folder with the jars and jre/: dir (the addon) or dir/executorch4j (an exported game). */
static void bundle_dir(const char *dir, char *out, size_t out_size) {
  char probe[4200];
  snprintf(probe, sizeof probe, "%s/executorch4j.jar", dir);
  if (!is_file(probe)) {
    snprintf(probe, sizeof probe, "%s/executorch4j", dir);
    if (is_dir(probe)) {
      snprintf(out, out_size, "%s", probe);
      return;
    }
  }
  snprintf(out, out_size, "%s", dir);
}

/* The platform a shared library is built for, from its header ("?" if unknown). */
static const char *binary_platform(const char *path) {
  unsigned char h[20];
  FILE *f = fopen(path, "rb");
  if (f == NULL) return "?";
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  if (n < sizeof h) return "? (a truncated file)";
  if (h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
    unsigned machine = h[18] | (unsigned)h[19] << 8;
    if (h[4] != 2) return "a 32-bit platform";
    return machine == 62 ? "linux-x86_64" : machine == 183 ? "linux-aarch64" : "another Linux architecture";
  }
  uint32_t magic = h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
  uint32_t cpu = h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
  if (magic == 0xfeedfacfu) return cpu == 0x0100000cu ? "macos-aarch64" : "macos-x86_64";
  if (magic == 0xbebafecau) return "a universal macOS binary";
  return "? (not a shared library)";
}

/* NULL if path is a complete jar (zip: a local header first, the end record near the end),
 * else what is wrong with it. */
static const char *jar_problem(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return "is missing";
  static unsigned char tail[65557]; /* the end record and its longest comment */
  unsigned char head[4];
  const char *problem = NULL;
  if (fread(head, 1, 4, f) != 4 || memcmp(head, "PK\x03\x04", 4) != 0) {
    problem = "is corrupted (not a jar)";
  } else if (fseek(f, 0, SEEK_END) != 0) {
    problem = "cannot be read";
  } else {
    long size = ftell(f);
    long n = size < (long)sizeof tail ? size : (long)sizeof tail;
    if (n < 22 || fseek(f, size - n, SEEK_SET) != 0 || fread(tail, 1, (size_t)n, f) != (size_t)n) {
      problem = "is corrupted (truncated)";
    } else {
      problem = "is corrupted (truncated: no end of central directory)";
      for (long i = n - 22; i >= 0; i--) {
        if (memcmp(tail + i, "PK\x05\x06", 4) == 0) {
          problem = NULL;
          break;
        }
      }
    }
  }
  fclose(f);
  return problem;
}

/* Adds the execute bits (where there are read bits) to a file that lacks them. Godot's exporter
 * copies shared objects with DirAccess::copy, which does not carry permission bits over, so in an
 * exported game the runtime's launcher and spawn helper may not be executable; the library needs
 * them to start a child JVM (ExecuTorchResource.check_isolated). Best effort: silent on failure. */
static void ensure_executable(const char *path) {
#ifdef __linux__
  struct statx st;
  if (statx(AT_FDCWD, path, 0, STATX_TYPE | STATX_MODE, &st) != 0 || !S_ISREG(st.stx_mode)) return;
  mode_t mode = st.stx_mode & 07777;
#else
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
  mode_t mode = st.st_mode & 07777;
#endif
  mode_t want = mode | ((mode & 0444) >> 2);
  if (want != mode) (void)chmod(path, want);
}

/* Drops group and other write from everything of ours under the bundle (0755 executables and
 * folders, 0644 the rest, where they were 0777/0666). Why: Godot 4.3's exporter writes every
 * exported file 0666, and ensure_executable adds execute bits on top, so anyone on the machine
 * could replace the runtime or a jar this game runs. Links are not followed (a runtime linked in
 * from elsewhere is not ours to change); files of other owners are left alone. Best effort. */
static int harden_entry(const char *path, const struct stat *st, int kind, struct FTW *ftw) {
  (void)ftw;
  if ((kind == FTW_F || kind == FTW_D || kind == FTW_DP) && st->st_uid == geteuid() && (st->st_mode & 022) != 0)
    (void)chmod(path, st->st_mode & 07755);
  return 0;
}

static void harden_bundle(const char *bundle) { (void)nftw(bundle, harden_entry, 16, FTW_PHYS); }

static int find_libjvm(const char *dir, const char *bundle, char *out, size_t out_size) {
  char home[4096];
  const char *env = getenv("EXECUTORCH4J_JAVA_HOME");
  char candidates[5][4096];
  int n = 0;
  if (env && *env) snprintf(candidates[n++], sizeof candidates[0], "%s", env);
  config_value(dir, "java_home", home, sizeof home);
  if (*home) snprintf(candidates[n++], sizeof candidates[0], "%s", home);
  snprintf(candidates[n++], sizeof candidates[0], "%s/jre/" PLATFORM, bundle);
  snprintf(candidates[n++], sizeof candidates[0], "%s/jre", bundle);
  env = getenv("JAVA_HOME");
  if (env && *env) snprintf(candidates[n++], sizeof candidates[0], "%s", env);
  for (int i = 0; i < n; i++) {
    snprintf(out, out_size, "%s/lib/server/" LIBJVM, candidates[i]);
    if (is_file(out)) return 1;
  }
  return 0;
}

__attribute__((visibility("default"))) uint8_t executorch4j_library_init(
    void *get_proc_address, void *library, void *r_initialization) {
  if (get_proc_address == NULL || r_initialization == NULL) return 0;
  g_print_error = (print_error_fn)((get_proc_address_fn)get_proc_address)("print_error");

  Dl_info info;
  char dir[4096] = ".";
  if (dladdr((void *)&executorch4j_library_init, &info) && info.dli_fname != NULL) {
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) *slash = '\0';
  }

  char bundle[4096];
  bundle_dir(dir, bundle, sizeof bundle);
  char libjvm[4096];
  if (!find_libjvm(dir, bundle, libjvm, sizeof libjvm)) {
    report("executorch4j needs a Java 22+ runtime and this game has none for " PLATFORM
           " (%s/jre/" PLATFORM " is missing: the addon or the export was made without this platform's"
           " runtime; godot/addon.sh bundles it), nor JAVA_HOME; .pte models cannot be loaded.%s", bundle, NULL);
    return 0;
  }
  /* Which runtime a game started, for support and for the addon test. */
  if (getenv("EXECUTORCH4J_VERBOSE") != NULL) fprintf(stderr, "executorch4j: Java runtime %s\n", libjvm);
  const char *built_for = binary_platform(libjvm);
  int universal_ok = strncmp(PLATFORM, "macos", 5) == 0 && strcmp(built_for, "a universal macOS binary") == 0;
  if (strcmp(built_for, PLATFORM) != 0 && !universal_ok) {
    report("executorch4j: the Java runtime %s is for %s, not " PLATFORM
           " (this game was exported with another platform's runtime); .pte models cannot be loaded.",
           libjvm, built_for);
    return 0;
  }
  const char *cp_env = getenv("EXECUTORCH4J_CLASSPATH");
  char cp_cfg[4096];
  config_value(dir, "classpath", cp_cfg, sizeof cp_cfg);
  if (!(cp_env && *cp_env) && !*cp_cfg) {
    /* The default classpath: its two jars must be whole before a JVM is started on them. */
    static const char *const required[] = {"executorch4j.jar", "executorch4j-godot.jar"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
      char jar[4200];
      snprintf(jar, sizeof jar, "%s/%s", bundle, required[i]);
      const char *problem = jar_problem(jar);
      if (problem != NULL) {
        report("executorch4j: %s %s (reinstall the game, or rebuild the addon with godot/addon.sh);"
               " .pte models cannot be loaded.", jar, problem);
        return 0;
      }
    }
  }
  {
    char home[4096], tool[4200];
    snprintf(home, sizeof home, "%s", libjvm); /* <home>/lib/server/libjvm.* */
    for (int up = 0; up < 3; up++) {
      char *slash = strrchr(home, '/');
      if (slash != NULL) *slash = '\0';
    }
    snprintf(tool, sizeof tool, "%s/bin/java", home);
    ensure_executable(tool);
    snprintf(tool, sizeof tool, "%s/lib/jspawnhelper", home);
    ensure_executable(tool);
  }
  harden_bundle(bundle);
  void *jvm_lib = dlopen(libjvm, RTLD_NOW | RTLD_GLOBAL);
  if (jvm_lib == NULL) {
    report("executorch4j: cannot load %s: %s", libjvm, dlerror());
    return 0;
  }
  created_vms_fn created = (created_vms_fn)dlsym(jvm_lib, "JNI_GetCreatedJavaVMs");
  create_vm_fn create = (create_vm_fn)dlsym(jvm_lib, "JNI_CreateJavaVM");
  if (created == NULL || create == NULL) {
    report("executorch4j: %s is not a JVM library%s", libjvm, NULL);
    return 0;
  }

  JavaVM *vm = NULL;
  JNIEnv *env = NULL;
  jsize count = 0;
  if (created(&vm, 1, &count) == JNI_OK && count > 0) {
    if ((*vm)->AttachCurrentThread(vm, (void **)&env, NULL) != JNI_OK) {
      report("executorch4j: cannot attach to the running JVM%s%s", NULL, NULL);
      return 0;
    }
  } else {
    char classpath[16384], cp_option[16500], extra[4096];
    if (cp_env && *cp_env) {
      snprintf(classpath, sizeof classpath, "%s", cp_env);
    } else if (*cp_cfg) {
      snprintf(classpath, sizeof classpath, "%s", cp_cfg);
    } else {
      snprintf(classpath, sizeof classpath, "%s/executorch4j.jar:%s/executorch4j-godot.jar:%s/executorch4j-llm.jar",
               bundle, bundle, bundle);
    }
    snprintf(cp_option, sizeof cp_option, "-Djava.class.path=%s", classpath);
    JavaVMOption options[32];
    int n = 0;
    options[n++].optionString = cp_option;
    options[n++].optionString = "--enable-native-access=ALL-UNNAMED";
    /* -Xrs: leave SIGINT/SIGTERM/SIGHUP/SIGQUIT to the engine. */
    options[n++].optionString = "-Xrs";
    config_value(dir, "jvm_options", extra, sizeof extra);
    for (char *tok = strtok(extra, " "); tok != NULL && n < 32; tok = strtok(NULL, " ")) {
      options[n++].optionString = tok;
    }
    JavaVMInitArgs args;
    memset(&args, 0, sizeof args);
    args.version = JNI_VERSION_10;
    args.nOptions = n;
    args.options = options;
    args.ignoreUnrecognized = JNI_FALSE;
    if (create(&vm, (void **)&env, &args) != JNI_OK) {
      report("executorch4j: cannot start the JVM at %s%s", libjvm, NULL);
      return 0;
    }
  }

  jclass bootstrap = (*env)->FindClass(env, "executorch4j/godot/Bootstrap");
  if (bootstrap == NULL) {
    (*env)->ExceptionDescribe(env);
    (*env)->ExceptionClear(env);
    report("executorch4j: executorch4j.godot.Bootstrap not on the classpath (%s)%s", bundle, NULL);
    return 0;
  }
  jmethodID init = (*env)->GetStaticMethodID(env, bootstrap, "init", "(JJJ)Z");
  if (init == NULL) {
    (*env)->ExceptionClear(env);
    report("executorch4j: Bootstrap.init(long, long, long) is missing%s%s", NULL, NULL);
    return 0;
  }
  jboolean ok = (*env)->CallStaticBooleanMethod(env, bootstrap, init, (jlong)(intptr_t)get_proc_address,
                                                (jlong)(intptr_t)library, (jlong)(intptr_t)r_initialization);
  if ((*env)->ExceptionCheck(env)) {
    (*env)->ExceptionDescribe(env);
    (*env)->ExceptionClear(env);
    return 0;
  }
  return ok ? 1 : 0;
}
