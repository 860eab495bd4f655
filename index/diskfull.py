"""A full disk, named as such: whichever store hit it, the caller gets one error that says so.

SQLite says "database or disk is full" or, when even its journal cannot be created, "disk I/O
error"; Chroma wraps the same in its own error types; plain writes raise OSError(ENOSPC). A
person reading any of those would not know that freeing space and running again is all it takes,
nor that the index is intact (every write path is transactional or swapped in whole, and the next
run clears what this one left pending).
"""

from __future__ import annotations

import errno
import shutil
from contextlib import contextmanager
from pathlib import Path

# Free space under which a write error with no errno is taken for a full disk: below one SQLite
# WAL checkpoint's worth of pages (1,000 pages of 4 KiB, SQLite's default checkpoint size).
LOW_SPACE_BYTES = 4 * 1024 * 1024
_FULL_WORDS = ("no space left", "disk is full", "database or disk is full", "quota exceeded")


class StorageFullError(OSError):
    """The disk under the data directory is full; the message says what to do."""


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _free(directory: Path) -> int | None:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def is_disk_full(exc: BaseException, directory: Path) -> bool:
    for link in _chain(exc):
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(word in str(link).lower() for word in _FULL_WORDS):
            return True
    free = _free(directory)
    return free is not None and free < LOW_SPACE_BYTES


@contextmanager
def guard_disk(directory: Path):
    """Turn any write error that a full disk caused into ``StorageFullError``."""
    try:
        yield
    except StorageFullError:
        raise
    except Exception as exc:
        if not is_disk_full(exc, directory):
            raise
        free = _free(directory)
        left = f"{free / 1e6:.1f} MB left" if free is not None else "no space left"
        raise StorageFullError(errno.ENOSPC, f"the disk holding {directory} is full ({left}): free some "
                               "space (or move IITKB_DATA_DIR to a larger disk) and run the same command "
                               "again; what was indexed before is intact, and the next run finishes what "
                               "this one left half-written") from exc
