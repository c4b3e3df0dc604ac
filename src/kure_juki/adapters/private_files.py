"""Files that hold personal data — the SQLite database and its -wal/-shm, backups, exports,
printed certificates — are the owner's alone (mode 0600, directories 0700), whatever the
umask, as the key files are (番号法12条: 安全管理措置). A database file that group or others can
read is refused (KJ-STORE-802) unless the integrator says it is shared on purpose.

SQLite creates a database's -wal and -shm files with the database file's own mode, so a
database created 0600 keeps its journal 0600 too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from kure_juki.domain.errors import RegistryError

__all__ = ["SIDE_FILES", "create_private", "ensure_private", "open_private", "private_dir"]

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside a database


def create_private(path: str | os.PathLike[str]) -> None:
    """Create *path* empty with mode 0600 unless it exists (SQLite takes an empty file as a
    new database)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def open_private(path: str | os.PathLike[str]) -> IO[bytes]:
    """*path* opened for writing from empty, with mode 0600 (even if it existed wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def private_dir(path: str | os.PathLike[str]) -> Path:
    """A new directory *path* (parents as needed) that only its owner can enter."""
    target = Path(path)
    target.mkdir(parents=True, mode=0o700)
    os.chmod(target, 0o700)
    return target


def ensure_private(path: str | os.PathLike[str], *, allow_shared: bool = False) -> None:
    """Refuse a database (or a file beside it) that group or others can read or write."""
    for candidate in (Path(path), *(Path(f"{path}{side}") for side in SIDE_FILES)):
        try:
            mode = candidate.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO) and not allow_shared:
            raise RegistryError("KJ-STORE-802")
