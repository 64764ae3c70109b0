#!/usr/bin/env python3
"""Checks built natives without running them: the link check for platforms this machine cannot
run (macOS), and the portability facts of the Linux ones (glibc floor, architecture).

  check-natives.py NATIVES_DIR [GODOT_NATIVE_DIR]

NATIVES_DIR holds <platform>/ folders as native-libs/build.sh stages them; GODOT_NATIVE_DIR the
shims godot/native/build.sh builds. Per platform it checks:
  * index.txt: every staged file, its SHA-256, the facade first;
  * each file is machine code for the platform (ELF e_machine / Mach-O cputype);
  * the facade exports every function the Java bindings call (jextract/symbols.txt);
  * every library it needs is shipped beside it or is a system library;
  * Linux: the optional backends (OpenVINO) are staged, not needed by the facade, and load
    without their vendor runtime;
  * every undefined symbol resolves: ExecuTorch symbols in a shipped library, on Linux the C and
    C++ runtime no newer than glibc 2.28 (the worker executable too) and the libstdc++ the
    wheel's own libraries need; on
    macOS each symbol in the library its two-level binding names (a shipped dylib's exports,
    the libc++ symbols some dylib of the macOS wheel imports, zig's libSystem stub);
  * macOS: install names @rpath/<file>, an @loader_path rpath, an ad-hoc code signature.
Uses llvm-readelf / llvm-nm / llvm-otool (Debian llvm-19). Prints one line per fact; exits 1 on
the first platform with a failure, after printing all of its failures.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLIBC_FLOOR = (2, 28)
ELF_MACHINE = {"linux-x86_64": 0x3E, "linux-aarch64": 0xB7}
MACHO_ARM64 = 0x0100000C
WORKER = "et4j-worker"  # the isolated-execution worker (Linux only)
# Delegate backends shipped on Linux but loaded on demand (ExecuTorchRuntime.backends()).
OPTIONAL_BACKENDS = ("libexecutorch_backend_openvino.so",)
SHIMS = {
    "linux-x86_64": "libexecutorch4j_godot.so",
    "linux-aarch64": "libexecutorch4j_godot.linux.arm64.so",
    "macos-aarch64": "libexecutorch4j_godot.macos.arm64.dylib",
}
LINUX_SYSTEM_LIBS = re.compile(
    r"^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libstdc\+\+\.so\.6|"
    r"libgcc_s\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$")
MACOS_SYSTEM_LIBS = re.compile(
    r"^(/usr/lib/libSystem\.B\.dylib|/usr/lib/libc\+\+\.1\.dylib|/usr/lib/libobjc\.A\.dylib|"
    r"/System/Library/Frameworks/.+)$")


def tool(name):
    for candidate in (name + "-19", name + "-18", name + "-17", name):
        if shutil.which(candidate):
            return candidate
    sys.exit(f"check-natives: {name} is required (apt install llvm-19)")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def version_tuple(text):
    return tuple(int(x) for x in text.split("."))


class Report:
    def __init__(self, platform):
        self.platform = platform
        self.failures = []

    def check(self, ok, fact, detail=""):
        print(f"  [{'ok' if ok else 'FAIL'}] {fact}" + (f": {detail}" if detail and not ok else ""))
        if not ok:
            self.failures.append(fact + (f": {detail}" if detail else ""))


def header_functions():
    """The facade functions the Java bindings call (jextract/symbols.txt)."""
    with open(os.path.join(ROOT, "jextract", "symbols.txt")) as f:
        return sorted(re.findall(r"^--include-function\s+(\S+)", f.read(), re.M))


def check_index(r, folder, facade):
    index = os.path.join(folder, "index.txt")
    if not os.path.isfile(index):
        r.check(False, "index.txt present")
        return
    entries = [line.split() for line in open(index) if line.strip()]
    names = [e[0] for e in entries]
    # test-only/ holds test binaries (et4j-worker-liar) the jar leaves out.
    staged = sorted(f for f in os.listdir(folder) if f not in ("index.txt", "test-only"))
    r.check(sorted(names) == staged, "index.txt lists every staged file", f"{names} vs {staged}")
    r.check(bool(names) and names[0] == facade, f"index.txt lists {facade} first", str(names[:1]))
    for name, digest in entries:
        path = os.path.join(folder, name)
        actual = hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.isfile(path) else "missing"
        r.check(actual == digest, f"{name}: SHA-256 matches the index", f"{actual} != {digest}")


# ------------------------------------------------------------------ Linux (ELF)

def elf_machine(path):
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF":
        return None
    return struct.unpack_from("<H", head, 18)[0]


def elf_dynsyms(path):
    """(defined names, undefined [(name, version or None)]) of the dynamic symbol table."""
    out = run(tool("llvm-readelf"), "--dyn-syms", "-W", path)
    defined, undefined = set(), []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 8 or not parts[0].endswith(":"):
            continue
        bind, ndx, name = parts[4], parts[6], parts[7]
        if bind == "LOCAL" or not name:
            continue
        base, _, version = name.partition("@")
        version = version.lstrip("@") or None
        if ndx == "UND":
            undefined.append((base, version, bind))
        else:
            defined.add(base)
    return defined, undefined


def elf_dynamic(path):
    out = run(tool("llvm-readelf"), "-d", "-W", path)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    runpath = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[(.+?)\]", out)
    return needed, runpath


def max_version(undefined, prefix):
    versions = [version_tuple(v[len(prefix):]) for _, v, _ in undefined
                if v and v.startswith(prefix) and re.fullmatch(r"[\d.]+", v[len(prefix):])]
    return max(versions) if versions else ()


def check_linux(r, folder, shim):
    facade = "libet4j.so"
    check_index(r, folder, facade)
    libs = sorted(f for f in os.listdir(folder) if f.startswith("lib"))
    machine = ELF_MACHINE[r.platform]
    for name in libs:
        r.check(elf_machine(os.path.join(folder, name)) == machine, f"{name}: ELF for {r.platform}")
    shipped_defs = set()
    wheel_glibcxx = ()
    for name in libs:
        defined, undefined = elf_dynsyms(os.path.join(folder, name))
        shipped_defs |= defined
        if name != facade:
            wheel_glibcxx = max(wheel_glibcxx, max_version(undefined, "GLIBCXX_"))
    defined, undefined = elf_dynsyms(os.path.join(folder, facade))
    missing = [f for f in header_functions() if f not in defined]
    r.check(not missing, f"{facade} exports every function the Java bindings call", ", ".join(missing))
    glibc = max_version(undefined, "GLIBC_")
    newer = sorted({f"{n}@{v}" for n, v, _ in undefined
                    if v and v.startswith("GLIBC_") and version_tuple(v[6:]) > GLIBC_FLOOR})
    r.check(not newer, f"{facade} needs glibc <= {'.'.join(map(str, GLIBC_FLOOR))} "
            f"(needs {'.'.join(map(str, glibc))})", ", ".join(newer))
    glibcxx = max_version(undefined, "GLIBCXX_")
    r.check(glibcxx <= wheel_glibcxx, f"{facade} needs no newer libstdc++ than the wheel's libraries "
            f"(GLIBCXX {'.'.join(map(str, glibcxx))} <= {'.'.join(map(str, wheel_glibcxx))})")
    unresolved = sorted(n for n, v, bind in undefined if v is None and bind != "WEAK" and n not in shipped_defs)
    r.check(not unresolved, f"{facade}: every unversioned undefined symbol is defined by a shipped library",
            ", ".join(unresolved[:10]))
    needed, runpath = elf_dynamic(os.path.join(folder, facade))
    foreign = [n for n in needed if n not in libs and not LINUX_SYSTEM_LIBS.match(n)]
    r.check(not foreign, f"{facade} needs only shipped and system libraries", ", ".join(foreign))
    r.check(runpath == ["$ORIGIN"], f"{facade} finds its libraries beside it (RUNPATH $ORIGIN)", str(runpath))
    # Optional backends ship beside the facade, loaded only when a program needs one: the facade
    # must not need them, and they must load without their vendor runtime (dlopen'ed on first use).
    for name in (n for n in libs if n in OPTIONAL_BACKENDS):
        r.check(name not in needed, f"{name}: not needed by {facade} (loaded on demand)")
        deps, _ = elf_dynamic(os.path.join(folder, name))
        foreign = [d for d in deps if d not in libs and not LINUX_SYSTEM_LIBS.match(d)]
        r.check(not foreign, f"{name} needs only shipped and system libraries at load time", ", ".join(foreign))
    r.check(all(n in libs for n in OPTIONAL_BACKENDS), "the optional backends are staged",
            ", ".join(n for n in OPTIONAL_BACKENDS if n not in libs))
    worker = os.path.join(folder, WORKER)
    if os.path.isfile(worker):
        r.check(elf_machine(worker) == machine, f"{WORKER}: ELF for {r.platform}")
        _, undefined = elf_dynsyms(worker)
        newer = sorted({f"{n}@{v}" for n, v, _ in undefined
                        if v and v.startswith("GLIBC_") and version_tuple(v[6:]) > GLIBC_FLOOR})
        r.check(not newer, f"{WORKER} needs glibc <= 2.28 (native-libs/src/glibc_start.cpp)", ", ".join(newer))
        r.check(max_version(undefined, "GLIBCXX_") <= wheel_glibcxx,
                f"{WORKER} needs no newer libstdc++ than the wheel's libraries")
        needed, runpath = elf_dynamic(worker)
        foreign = [n for n in needed if n not in libs and not LINUX_SYSTEM_LIBS.match(n)]
        r.check(not foreign and runpath == ["$ORIGIN"],
                f"{WORKER} needs only shipped and system libraries, found beside it", f"{foreign} {runpath}")
    if shim:
        r.check(elf_machine(shim) == machine, f"{os.path.basename(shim)}: ELF for {r.platform}")
        defined, undefined = elf_dynsyms(shim)
        r.check("executorch4j_library_init" in defined, "Godot shim exports executorch4j_library_init")
        newer = sorted({f"{n}@{v}" for n, v, _ in undefined
                        if v and v.startswith("GLIBC_") and version_tuple(v[6:]) > GLIBC_FLOOR})
        r.check(not newer, "Godot shim needs glibc <= 2.28", ", ".join(newer))


# ------------------------------------------------------------------ macOS (Mach-O)

LC_CODE_SIGNATURE = 0x1D
CS_ADHOC = 0x2


def macho_load_commands(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, cputype, _, _, ncmds, _, _, _ = struct.unpack_from("<IiiIIIII", data, 0)
    if magic != 0xFEEDFACF:
        return None, [], data
    cmds, off = [], 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        cmds.append((cmd, off, size))
        off += size
    return cputype, cmds, data


def adhoc_signed(path):
    _, cmds, data = macho_load_commands(path)
    for cmd, off, _ in cmds:
        if cmd != LC_CODE_SIGNATURE:
            continue
        dataoff, _ = struct.unpack_from("<II", data, off + 8)
        magic, _, count = struct.unpack_from(">III", data, dataoff)
        if magic != 0xFADE0CC0:  # embedded signature super blob
            return False
        for i in range(count):
            _, blob = struct.unpack_from(">II", data, dataoff + 12 + 8 * i)
            bmagic, _, _, flags = struct.unpack_from(">IIII", data, dataoff + blob)
            if bmagic == 0xFADE0C02:  # code directory
                return bool(flags & CS_ADHOC)
    return False


def otool_values(path, command, field):
    out = run(tool("llvm-otool"), "-l", path)
    values, current = [], None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("cmd "):
            current = line.split()[1]
        elif current == command and line.startswith(field + " "):
            values.append(line.split()[1])
    return values


def nm_exports(path):
    out = run(tool("llvm-nm"), "-g", "--defined-only", path)
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def nm_imports(path):
    """[(symbol, library short name)] from two-level namespace bindings."""
    out = run(tool("llvm-nm"), "-m", "-u", path)
    return re.findall(r"external (\S+) \(from (\S+)\)", out)


def tbd_symbols(path):
    return set(re.findall(r"[A-Za-z0-9_$.]+", open(path).read()))


def check_macos(r, folder, shim):
    facade = "libet4j.dylib"
    check_index(r, folder, facade)
    libs = sorted(f for f in os.listdir(folder) if f.startswith("lib"))
    for name in libs:
        path = os.path.join(folder, name)
        cputype, _, _ = macho_load_commands(path)
        r.check(cputype == MACHO_ARM64, f"{name}: Mach-O arm64")
        ids = otool_values(path, "LC_ID_DYLIB", "name")
        r.check(ids == ["@rpath/" + name], f"{name}: install name @rpath/{name}", str(ids))
        deps = otool_values(path, "LC_LOAD_DYLIB", "name")
        foreign = [d for d in deps if not (d.startswith("@rpath/") and d[7:] in libs) and not MACOS_SYSTEM_LIBS.match(d)]
        r.check(not foreign, f"{name}: loads only shipped dylibs and system libraries", ", ".join(foreign))
        r.check(adhoc_signed(path) or name != facade, f"{name}: code signature"
                + (" (ad-hoc)" if name == facade else ""))
    path = os.path.join(folder, facade)
    r.check("@loader_path" in otool_values(path, "LC_RPATH", "path"), f"{facade}: rpath @loader_path")
    exports = nm_exports(path)
    missing = [f for f in header_functions() if "_" + f not in exports]
    r.check(not missing, f"{facade} exports every function the Java bindings call", ", ".join(missing))
    wheel_exports = {name[:-len(".dylib")]: nm_exports(os.path.join(folder, name)) for name in libs if name != facade}
    # libc++ symbols known to exist on the wheel's macOS: those any of its dylibs imports.
    sdk_lib = os.path.join(ROOT, ".cache", "executorch-sdk-1.5.1-macos-aarch64", "executorch", "lib")
    libcxx = set()
    for name in sorted(os.listdir(sdk_lib)):
        if name.endswith(".dylib"):
            libcxx |= {s for s, lib in nm_imports(os.path.join(sdk_lib, name)) if lib == "libc++"}
    libsystem = tbd_symbols(os.path.join(os.path.dirname(zig()), "lib", "libc", "darwin", "libSystem.tbd"))
    unresolved = []
    imports = nm_imports(path)
    for symbol, lib in imports:
        ok = (symbol in wheel_exports[lib] if lib in wheel_exports
              else symbol in libcxx if lib == "libc++"
              else symbol in libsystem if lib == "libSystem"
              else False)
        if not ok:
            unresolved.append(f"{symbol} (from {lib})")
    r.check(not unresolved, f"{facade}: all {len(imports)} undefined symbols resolve in the library they bind to",
            ", ".join(unresolved[:10]))
    if shim:
        cputype, _, _ = macho_load_commands(shim)
        r.check(cputype == MACHO_ARM64, f"{os.path.basename(shim)}: Mach-O arm64")
        r.check(adhoc_signed(shim), "Godot shim: ad-hoc code signature")
        r.check("_executorch4j_library_init" in nm_exports(shim), "Godot shim exports executorch4j_library_init")
        bad = [f"{s} (from {lib})" for s, lib in nm_imports(shim) if lib != "libSystem" or s not in libsystem]
        r.check(not bad, "Godot shim: every undefined symbol is in libSystem", ", ".join(bad))


def zig():
    found = [os.path.join(ROOT, ".cache", d, "ziglang", "zig") for d in sorted(os.listdir(os.path.join(ROOT, ".cache")))
             if d.startswith("zig-")]
    if not found:
        sys.exit("check-natives: zig is not in .cache (native-libs/build.sh downloads it for macos-aarch64)")
    return found[-1]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    natives = sys.argv[1]
    godot = sys.argv[2] if len(sys.argv) > 2 else None
    platforms = sorted(d for d in os.listdir(natives) if os.path.isdir(os.path.join(natives, d)))
    failed = []
    for platform in platforms:
        print(f"{platform}:")
        r = Report(platform)
        shim = os.path.join(godot, SHIMS[platform]) if godot and platform in SHIMS else None
        if shim and not os.path.isfile(shim):
            r.check(False, f"Godot shim {SHIMS[platform]} built")
            shim = None
        folder = os.path.join(natives, platform)
        if platform.startswith("linux-"):
            check_linux(r, folder, shim)
        elif platform.startswith("macos-"):
            check_macos(r, folder, shim)
        else:
            r.check(False, "a known platform")
        if r.failures:
            failed.append(platform)
    if failed:
        print(f"check-natives: FAILED for {', '.join(failed)}")
        return 1
    print(f"check-natives: {', '.join(platforms)} OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
