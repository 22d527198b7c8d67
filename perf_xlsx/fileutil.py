"""Writing outputs safely: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import tempfile
import time
from typing import Callable, Optional

TEMP_PREFIX = ".~perf-xlsx-"
# A temporary file nobody holds a lock on is a killed writer's leftover only once it is this
# old: between releasing its lock and the rename, a live writer's file is unlocked for a moment.
STALE_AGE = 60.0
# The byte a writer locks: far past any real file's end, so that on Windows (where byte-range
# locks are mandatory) the writer's own writes through another handle are never blocked.
_LOCK_OFFSET = 1 << 40
# Folders this process has already swept: a batch worker writes thousands of files into one
# folder, and listing it before every write would cost O(files) each time. Leftovers of a
# worker killed mid-run are swept by the batch parent when the pool stops.
_swept: set[str] = set()


def try_lock(fd: int) -> bool:
    """Lock an open file exclusively for this process without waiting; False if another process
    holds the lock. No signal is sent anywhere: on Windows os.kill(pid, 0) is CTRL_C_EVENT."""
    try:
        if sys.platform == "win32":  # pragma: no cover - msvcrt byte-range lock
            import msvcrt

            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _held_by_a_writer(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return True  # cannot tell: leave it alone
    try:
        return not try_lock(fd)
    finally:
        os.close(fd)  # closing releases our own lock too


def sweep_stale_temps(folder: str, min_age: float = STALE_AGE) -> None:
    """Delete temporary files left by a writer that was killed: no process holds their lock
    and they are at least ``min_age`` seconds old (0 when the caller knows every writer in the
    folder has stopped, as the batch parent does once its workers are gone)."""
    try:
        # scandir, not listdir: a batch's output folder holds a scored copy per input, and a
        # list of every name was the largest thing the batch parent held at that moment.
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.startswith(TEMP_PREFIX) and e.name.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        try:
            if now - os.stat(path).st_mtime < min_age or _held_by_a_writer(path):
                continue
            os.unlink(path)
        except OSError:
            pass


def _umask() -> int:
    # os.umask can only be read by setting it; restore at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call write(tmp_path) then rename tmp_path over path; never leaves a partial file at path.

    The result gets the permissions any new file of the user gets (0666 & ~umask), not the
    0600 of a temporary file.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in _swept:
        sweep_stale_temps(folder)
        _swept.add(folder)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
    # Held while the file is written, so that a sweep by another process leaves it alone.
    try_lock(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        # Closed before the rename: Windows cannot rename a file that is open.
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str, data: bytes) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(path, write)


class OutputBusy(OSError):
    """An existing output that must not be replaced now: open in Excel/WPS/LibreOffice, locked
    by another process, or marked read-only. The message is Chinese, for the user."""


def office_owner_file(path: str) -> Optional[str]:
    """The lock file an office program keeps beside a workbook it has open (Excel/WPS ``~$…``,
    LibreOffice ``.~lock.…#``), if there is one: the workbook is open somewhere, perhaps on
    another computer of a shared folder, where no lock of ours can see it."""
    folder, name = os.path.split(os.path.abspath(path))
    candidates = [f"~${name}", f"~${name[2:]}" if len(name) > 2 else "", f".~lock.{name}#"]
    for candidate in candidates:
        if candidate and os.path.isfile(os.path.join(folder, candidate)):
            return candidate
    return None


def check_replaceable(path: str) -> None:
    """Raise OutputBusy if ``path`` exists and may not be replaced now. Renaming over a file
    that Excel has open fails on Windows (and silently detaches it elsewhere); a read-only file
    is one the user protected on purpose."""
    try:
        st = os.stat(path)
    except OSError:
        return
    name = os.path.basename(path)
    if not st.st_mode & stat.S_IWUSR:
        raise OutputBusy(f"{name} 是只读文件，无法更新：请取消其“只读”属性后重试")
    owner = office_owner_file(path)
    if owner is not None:
        raise OutputBusy(f"{name} 正在 Excel/WPS/LibreOffice 中打开（有锁定文件 {owner}）：请关闭后重试")
    try:
        fd = os.open(path, os.O_RDWR)
    except PermissionError:
        raise OutputBusy(f"{name} 被其他程序占用（可能正在 Excel 或 WPS 中打开）：请关闭后重试") from None
    except OSError:
        return
    try:
        if not try_lock(fd):
            raise OutputBusy(f"{name} 被其他程序锁定（可能正在 Excel 或 WPS 中打开）：请关闭后重试")
    finally:
        os.close(fd)



#: What the operating system says, in Chinese, for the errors a finance office meets: the
#: system's own text is English on Linux and in the console code page on Windows.
_OS_REASONS = {
    errno.EEXIST: "已有同名的文件或文件夹",
    errno.ENOENT: "找不到该文件或文件夹",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EACCES: "没有权限（文件可能被占用或只读）",
    errno.EPERM: "没有权限（文件可能被占用或只读）",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读",
    errno.ENAMETOOLONG: "路径或文件名太长",
    errno.EBUSY: "文件被占用",
    errno.EINVAL: "文件名或路径无效",
}


def sha256_file(path: str) -> str:
    """The file's sha256 (hex), read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(hexdigest: str) -> Optional[bytes]:
    """The 32 bytes of a sha256 as hexdigest() writes it (64 lower-case hex digits), else None:
    what holds many digests keeps these, not the 113-byte strings."""
    if len(hexdigest) != 64 or hexdigest != hexdigest.lower():
        return None
    try:
        return bytes.fromhex(hexdigest)
    except ValueError:
        return None


def os_reason(exc: OSError) -> str:
    """The reason of an OSError in Chinese (the system's text when the error is a rare one)."""
    known = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    return known or str(exc.strerror or exc)

def os_error_message(path: str, exc: OSError) -> str:
    """What went wrong writing ``path``, in Chinese, with what to do about it."""
    if isinstance(exc, OutputBusy):
        return str(exc)
    name = os.path.basename(path) or path
    folder = os.path.dirname(os.path.abspath(path))
    if exc.errno == errno.ENOSPC:
        return f"无法写入 {name}：磁盘空间不足，请清理磁盘或换一个输出文件夹（-o）后重试"
    if exc.errno in (errno.EROFS,):
        return f"无法写入 {name}：输出文件夹 {folder} 在只读磁盘上，请用 -o 换一个输出文件夹"
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        if os.path.exists(path):
            return f"无法写入 {name}：文件被占用或没有写入权限（可能正在 Excel 或 WPS 中打开），请关闭该文件后重试"
        return f"无法写入 {name}：输出文件夹 {folder} 没有写入权限（只读），请修改权限或用 -o 换一个输出文件夹"
    return f"无法写入 {name}：{os_reason(exc)}"
