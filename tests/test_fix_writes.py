"""How --fix writes files: never over a concurrent edit, through symlinks, keeping
read-only files, mode, owner and hard links, reporting what it could not write
(also with --format json), and byte-safe when killed or run twice at once."""
from __future__ import annotations

import ast
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tritonlint import fixer, writeback
from tritonlint.cli import main
from tritonlint.fixer import fix_text
from tritonlint.settings import Settings

KERNEL = """import triton
import triton.language as tl


@triton.jit
def {name}(x_ptr, y_ptr, stride, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    x = tl.load(x_ptr + row * stride + cols, mask=mask)
    tl.store(y_ptr + row * stride + cols, x * 2.0, mask=mask)
"""


def kernel(name: str = "k") -> str:
    return KERNEL.format(name=name)


def fixed(text: str) -> str:
    out = fix_text(text, "k.py", Settings()).text
    assert out != text, "the template must carry a fixable TL002"
    return out


def fix(*args) -> int:
    return main(["check", "--fix", "--no-respect-gitignore", "--color", "never", *map(str, args)])


# --- 1. a concurrent edit is never overwritten ----------------------------------------

def test_a_file_edited_while_fixing_is_not_overwritten(tmp_path, capsys, monkeypatch):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    edited = kernel() + "# saved by an editor while --fix ran\n"

    def fix_then_edit(text, *args, **kwargs):
        outcome = fix_text(text, *args, **kwargs)
        path.write_text(edited)  # someone saves the file after it was read
        return outcome

    monkeypatch.setattr(fixer, "fix_text", fix_then_edit)
    code = fix(path)
    out = capsys.readouterr().out
    assert path.read_text() == edited
    assert code == 2 and "changed while fixing, not written" in out
    assert "Fixed" not in out and "TL002" in out, "the finding stays reported, not counted as fixed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.py"]


def test_add_noqa_does_not_overwrite_an_edit_either(tmp_path, capsys, monkeypatch):
    from tritonlint import add_noqa

    path = tmp_path / "k.py"
    path.write_text(kernel())
    edited = kernel() + "# edited\n"

    def add_then_edit(text, *args, **kwargs):
        out = add_noqa_directives(text, *args, **kwargs)
        path.write_text(edited)
        return out

    add_noqa_directives = add_noqa.add_directives
    monkeypatch.setattr(add_noqa, "add_directives", add_then_edit)
    assert main(["check", "--add-noqa", str(path)]) == 2
    assert "changed while fixing, not written" in capsys.readouterr().err
    assert path.read_text() == edited


# --- 2. symlinks ------------------------------------------------------------------------

def test_a_symlink_stays_a_link_and_its_target_is_fixed(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "k.py"
    target.write_text(kernel())
    link = tmp_path / "k.py"
    link.symlink_to("real/k.py")
    assert fix(link) == 0
    assert link.is_symlink() and os.readlink(link) == "real/k.py"
    assert target.read_text() == fixed(kernel())
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["k.py"]


# --- 3. read-only files, mode, owner, hard links ----------------------------------------

def test_a_read_only_file_is_reported_and_left_alone(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    path.chmod(0o444)
    code = fix(path)
    out = capsys.readouterr().out
    assert code == 2 and "k.py: fix rolled back: the file is read-only; not written" in out
    assert path.read_text() == kernel() and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_the_mode_bits_are_kept(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    path.chmod(0o2750)
    assert fix(path) == 0
    assert path.read_text() == fixed(kernel()) and stat.S_IMODE(path.stat().st_mode) == 0o2750


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file another owner needs root")
def test_the_owner_is_kept(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    os.chown(path, 12345, 23456)
    path.chmod(0o4755)  # chown clears setuid: the mode must be set after the owner
    assert fix(path) == 0
    st = path.stat()
    assert path.read_text() == fixed(kernel())
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o4755)


def test_hard_links_stay_one_file(tmp_path, capsys):
    path, other = tmp_path / "k.py", tmp_path / "same_kernel.py"
    path.write_text(kernel())
    os.link(path, other)
    inode = path.stat().st_ino
    assert fix(path) == 0
    assert path.stat().st_ino == inode == other.stat().st_ino and path.stat().st_nlink == 2
    assert other.read_text() == fixed(kernel())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.py", "same_kernel.py"], "the backup is removed"


def test_a_hard_linked_file_edited_while_fixing_is_not_overwritten(tmp_path, capsys, monkeypatch):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    os.link(path, tmp_path / "same_kernel.py")
    edited = kernel() + "# edited\n"

    def fix_then_edit(text, *args, **kwargs):
        outcome = fix_text(text, *args, **kwargs)
        path.write_text(edited)
        return outcome

    monkeypatch.setattr(fixer, "fix_text", fix_then_edit)
    assert fix(path) == 2
    assert path.read_text() == edited
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.py", "same_kernel.py"]


def test_without_unnamed_files_the_named_temporary_file_keeps_it_all(tmp_path, capsys, monkeypatch):
    """Where O_TMPFILE is missing (macOS, some file systems) a named temporary file
    is renamed over the target: the same guarantees."""
    monkeypatch.setattr(writeback, "_unnamed_file", lambda directory: None)
    path = tmp_path / "k.py"
    path.write_text(kernel())
    path.chmod(0o640)
    assert fix(path) == 0
    assert path.read_text() == fixed(kernel()) and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.py"]


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    path = tmp_path / "k.py"
    path.write_text(kernel())
    orphan = tmp_path / f".k.py.{dead}.5.tritonlint"
    orphan.write_text("half of a fix")
    live = tmp_path / f".other.py.{os.getppid()}.5.tritonlint"  # a running --fix's: kept
    live.write_text("a fix being written")
    assert fix(path) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["k.py", live.name])


# --- 4. write failures are reported in every format -------------------------------------

def test_json_reports_a_fix_it_could_not_write(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    path.chmod(0o444)
    code = fix("--format", "json", path)
    captured = capsys.readouterr()
    assert code == 2
    assert f"tritonlint: {path}: fix rolled back: the file is read-only; not written" in captured.err
    findings = json.loads(captured.out)
    assert [d["code"] for d in findings] == ["TL002", "TL002"], "the findings stay, unfixed"


def test_fix_only_reports_a_fix_it_could_not_write(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_text(kernel())
    path.chmod(0o444)
    code = main(["check", "--fix-only", str(path)])
    assert code == 2 and "the file is read-only; not written" in capsys.readouterr().err


# --- 5. crash safety: SIGKILL mid-fix, two runs at once ----------------------------------

FILES = 40


def _tree(root: Path) -> dict[Path, tuple[bytes, bytes]]:
    """FILES kernel files; for each, (original bytes, fixed bytes)."""
    original = kernel("k_ID")
    fixed_template = fixed(kernel("k_ID"))
    out = {}
    for i in range(FILES):
        path = root / f"pkg{i % 4}" / f"kernel_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        before, after = original.replace("k_ID", f"k_{i}"), fixed_template.replace("k_ID", f"k_{i}")
        path.write_text(before)
        out[path] = (before.encode(), after.encode())
    return out


def _start_fix(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tritonlint", "check", "--fix", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _assert_whole(tree: dict[Path, tuple[bytes, bytes]], note: str) -> int:
    """Every file is its original or its fixed content and parses. Returns how many
    files were fixed."""
    done = 0
    for path, (before, after) in tree.items():
        data = path.read_bytes()
        assert data in (before, after), f"{path} is torn ({note})"
        ast.parse(data)
        done += data == after
    return done


def _left_over(tree: dict[Path, tuple[bytes, bytes]], root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p not in tree)


def test_sigkill_at_random_moments_leaves_every_file_whole(tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    # How long a whole run takes here, so the kills land across it, writes included.
    root = tmp_path / "timing"
    tree = _tree(root)
    start = time.monotonic()
    assert _start_fix(root).wait() == 0
    duration = time.monotonic() - start
    assert _assert_whole(tree, "complete run") == FILES and _left_over(tree, root) == []
    trees, partial = {}, 0
    for run in range(4):
        root = tmp_path / "killed" / f"run{run}"
        tree = _tree(root)
        delay = rng.uniform(0.4, 1.0) * duration
        proc = _start_fix(root)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = _assert_whole(tree, f"seed {seed}, killed after {delay:.2f} s of {duration:.2f} s")
        partial += 0 < done < FILES
        trees.update(tree)
    assert partial >= 1, f"no kill landed while files were being written (seed {seed}); the test proves nothing"
    # A kill between naming the new file and the rename leaves that file (the target
    # is whole); the next run removes it, as it finishes the fix.
    root = tmp_path / "killed"
    assert _start_fix(root).wait() == 0
    assert _assert_whole(trees, "after a complete run") == len(trees)
    assert _left_over(trees, root) == [], "temporary files left behind"
def test_two_concurrent_fixes_lose_nothing(tmp_path):
    root = tmp_path / "tree"
    tree = _tree(root)
    first, second = _start_fix(root), _start_fix(root)
    codes = first.wait(), second.wait()
    errors = first.stderr.read().decode() + second.stderr.read().decode()
    # A run that finds a file the other one just rewrote leaves it (exit 2, reported).
    assert set(codes) <= {0, 2} and "internal error" not in errors, errors
    assert _assert_whole(tree, "two runs") == FILES, "every file ends fixed, by one run or the other"
    assert _left_over(tree, root) == [], "temporary files left behind"
