"""Writing outputs safely: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from typing import Callable

TEMP_PREFIX = ".~perf-xlsx-"
# Folders this process has already swept: a batch worker writes thousands of files into one
# folder, and listing it before every write would cost O(files) each time. Leftovers of a
# worker killed mid-run are swept by the batch parent when the pool stops.
_swept: set[str] = set()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave its file alone
    return True


def sweep_stale_temps(folder: str) -> None:
    """Delete temporary files left by a writer that was killed (its process no longer exists)."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid_text = name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            try:
                os.unlink(os.path.join(folder, name))
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
    # The pid in the name lets a later run tell a killed writer's leftover from a live one's.
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
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
