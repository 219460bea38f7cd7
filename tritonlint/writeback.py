"""Writing a rewritten source file back (``--fix``, ``--add-noqa``).

What ends up on disk is either the file as it was or the new content, byte for
byte, even if the process is killed mid-write; and the file keeps what it was:
a symlink stays a link (its target is rewritten), a read-only file is left
alone, the mode bits and owner are kept, and so are hard links. A file that
someone else changed since it was read is not overwritten.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tritonlint"
BACKUP_SUFFIX = ".tritonlint-backup"


class NotWritten(OSError):
    """The file was left as it was; the message says why."""


def write_atomic(path: Path, data: bytes, expected: bytes | None = None) -> None:
    """Replace the content of ``path`` by ``data``. With ``expected`` (the bytes the
    new content was computed from), refuse if the file no longer holds them."""
    target = Path(os.path.realpath(path))  # through a symlink: rewrite its target, keep the link
    st = target.stat()
    # Root may write anything; a file without any write bit is still meant to be
    # left alone (as editors and formatters run by a user treat it).
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise NotWritten("the file is read-only; not written")
    if st.st_nlink > 1 or not _can_own_as(st):
        # A rename would split the hard links or give the file our owner: write in place.
        _write_in_place(target, data, expected)
    else:
        _replace(target, data, expected, st)


def _can_own_as(st: os.stat_result) -> bool:
    """Whether a file we create can be given the owner and group of ``st``."""
    if not hasattr(os, "geteuid"):  # Windows: a new file's owner is not set this way
        return True
    if st.st_uid == os.geteuid() and st.st_gid == os.getegid():
        return True
    return os.geteuid() == 0 or (st.st_uid == os.geteuid() and st.st_gid in os.getgroups())


def _replace(target: Path, data: bytes, expected: bytes | None, st: os.stat_result) -> None:
    """Write the new content to a file of its own next to the target and rename it
    over the target: a reader, or a kill at any moment, sees the old file or the new
    one, never a mix."""
    _remove_orphans(target.parent)
    fd = _unnamed_file(target.parent)
    if fd is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=target.parent)
    else:
        tmp = None
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
        handle = fd if tmp is None else tmp  # an unnamed file has only its descriptor
        if hasattr(os, "geteuid") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            os.chown(handle, st.st_uid, st.st_gid)
        os.chmod(handle, st.st_mode & 0o7777)  # after chown, which clears setuid/setgid
        _check_unchanged(target, expected)
        if tmp is None:
            # The file gets a name only now, one system call before the rename: a kill
            # before this line leaves nothing behind (the kernel frees an unnamed file).
            tmp = f"{target.parent}/.{target.name}.{os.getpid()}.{fd}{TEMP_SUFFIX}"
            _name(fd, tmp, target.parent)
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)


#: directories whose orphaned temporary files this process has removed
_cleaned: set[Path] = set()


def _remove_orphans(directory: Path) -> None:
    """Remove the temporary files a killed run left in ``directory``. Naming the new
    file and renaming it over the old one are two system calls, and a SIGKILL
    between them leaves the named file behind (the target itself is whole). Such a
    file carries the pid of its run; it is an orphan once that process is gone.
    Each directory is scanned once per process, so the cost stays linear."""
    if directory in _cleaned:
        return
    _cleaned.add(directory)
    for entry in os.scandir(directory):
        if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
            continue
        pid = _pid_in(entry.name)
        if pid is not None and not _running(pid):
            try:
                os.unlink(entry.path)
            except FileNotFoundError:  # another run removed it first
                pass


def _pid_in(name: str) -> int | None:
    """The pid in ``.NAME.PID.XXX.tritonlint`` (NAME may contain dots)."""
    parts = name[: -len(TEMP_SUFFIX)].split(".")
    digits = [p for p in parts[2:-1] if p.isdigit()]
    return int(digits[-1]) if digits else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as someone else
        pass
    return True


def _name(fd: int, path: str, directory: Path) -> None:
    """Give the unnamed file ``fd`` the name ``path`` (linkat through /proc, following
    its link; Python calls linkat, rather than link, only when given a directory fd)."""
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(path), dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def _unnamed_file(directory: Path) -> int | None:
    """A file in ``directory`` that has no name yet (Linux's O_TMPFILE, given one
    through /proc), or None where the platform or file system has none."""
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:  # a file system without O_TMPFILE support
        return None


def _write_in_place(target: Path, data: bytes, expected: bytes | None) -> None:
    """Overwrite the file's own inode (keeps hard links and the owner). Not atomic:
    a kill during the write would tear the file, so the old content is first copied
    to a backup next to it, removed once the write is complete. If the process dies
    in between, ``.NAME.*.tritonlint-backup`` holds the original."""
    original = target.read_bytes()
    fd, backup = tempfile.mkstemp(prefix=f".{target.name}.", suffix=BACKUP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(original)
        _check_unchanged(target, expected)
    except BaseException:
        os.unlink(backup)
        raise
    try:
        _overwrite(target, data)
    except OSError:
        _overwrite(target, original)  # a failed write (disk full) must not leave half a file
        os.unlink(backup)
        raise
    os.unlink(backup)


def _overwrite(target: Path, data: bytes) -> None:
    with open(target, "r+b") as fh:
        fh.write(data)
        fh.truncate()


def _check_unchanged(target: Path, expected: bytes | None) -> None:
    """Refuse to overwrite an edit made since the file was read (an editor saving,
    another --fix): the fix was computed from the old content."""
    if expected is not None and target.read_bytes() != expected:
        raise NotWritten("changed while fixing, not written; run the command again")
