"""``tritonlint review --base REF``: the findings the working tree introduces.

Both sides are analysed with the same (current) settings:

* the **base** is the merge base of HEAD and REF (``git merge-base REF HEAD``);
  its files are read with ``git show <base>:<path>`` and never checked out;
* the **head** is the working tree (staged, unstaged and untracked files).

Only Python files that differ between the two are analysed (a finding depends on
its own file only). Renames are followed (``git diff --name-status -M``; a file
moved with plain ``mv`` and not yet added is paired with its deleted original by
similarity, as git would), so a moved file keeps its old findings. Findings are matched by rule, file, kernel and
normalised expression (:attr:`Diagnostic.fingerprint_key`), never by line, and
counted: if the base had one ``pid * stride`` in kernel ``k`` and the head has two,
one is new. Among identical findings, those on changed lines are taken as the new
ones.
"""
from __future__ import annotations

import difflib
import io
import os
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, FileResult, ParseError
from .engine import SourceFile, check_source
from .identity import identities, match
from .settings import ConfigError, Resolver

PY_SUFFIXES = (".py", ".pyi")


class ReviewError(Exception):
    """Something about the repository that stops the review (exit code 2)."""


@dataclass(frozen=True)
class Change:
    path: str  # in the working tree, relative to the repository root (posix)
    old_path: str | None  # at the base; None for a file added since
    #: gone from the working tree: only its base findings count (a kernel that moved
    #: out of it into a new module keeps them)
    deleted: bool = False


@dataclass
class ReviewResult:
    base_ref: str
    base_sha: str
    results: list[FileResult]
    sources: dict[str, str] = field(default_factory=dict)  # display path -> head text
    existing: int = 0  # findings of the changed files that were already there at the base
    base_unparsed: list[str] = field(default_factory=list)  # files whose base version did not parse

    @property
    def new(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics if not d.suppressed]


# --- git ---------------------------------------------------------------------------------------


def _git(root: Path | None, *args: str) -> subprocess.CompletedProcess:
    cmd = ["git", "-c", "core.quotepath=false", "-c", "diff.relative=false"]
    if root is not None:
        cmd += ["-C", str(root)]
    try:
        return subprocess.run([*cmd, *args], capture_output=True)
    except FileNotFoundError as e:
        raise ReviewError("`git` was not found on PATH; `tritonlint review` needs it") from e


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", errors="surrogateescape").strip()


def _err(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.decode("utf-8", errors="replace").strip()


def repo_root(cwd: Path | None = None) -> Path:
    proc = _git(cwd, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise ReviewError(f"not inside a git repository ({_err(proc) or 'git rev-parse failed'})")
    return Path(_out(proc))


def _is_shallow(root: Path) -> bool:
    return _out(_git(root, "rev-parse", "--is-shallow-repository")) == "true"


def fetch_hint(root: Path, ref: str) -> str:
    """What to fetch so that ``ref`` and its merge base with HEAD are present."""
    remotes = _out(_git(root, "remote")).split()
    remote, _, branch = ref.partition("/")
    hints = []
    if branch and remote in remotes:
        hints.append(f"`git fetch {remote} {branch}`")
    if _is_shallow(root):
        hints.append("`git fetch --deepen=100` (or `git fetch --unshallow`) for the history down to the merge base")
    if not hints:
        hints.append(f"`git fetch {remotes[0] if remotes else 'origin'} <branch-or-commit>` for the base")
    return "run " + "; if it is still missing, ".join(hints)


def merge_base(root: Path, ref: str) -> str:
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise ReviewError("HEAD has no commit yet; there is nothing to compare with")
    proc = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        shallow = " (this is a shallow clone)" if _is_shallow(root) else ""
        raise ReviewError(f"base commit not available: `{ref}` is not a commit in this repository{shallow}; "
                          f"{fetch_hint(root, ref)}")
    base = _out(proc)
    proc = _git(root, "merge-base", base, "HEAD")
    if proc.returncode != 0:
        if _is_shallow(root):
            raise ReviewError(f"base commit not available: the merge base of `{ref}` and HEAD is not in this "
                              f"shallow clone; run `git fetch --deepen=100` (repeat until it is found) "
                              f"or `git fetch --unshallow`")
        raise ReviewError(f"`{ref}` and HEAD have no common history (git merge-base found none)")
    return _out(proc)


def changed_files(root: Path, base: str) -> list[Change]:
    """Files that differ between ``base`` and the working tree, plus untracked ones."""
    proc = _git(root, "diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--")
    if proc.returncode != 0:
        raise ReviewError(f"git diff against {base[:12]} failed: {_err(proc)}")
    tokens = proc.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    changes: list[Change] = []
    deleted: list[str] = []
    i = 0
    while i < len(tokens) and tokens[i]:
        status = tokens[i]
        if status[0] in "RC":
            old, new = tokens[i + 1], tokens[i + 2]
            i += 3
            changes.append(Change(new, old))  # a copy's findings came from its source too
        else:
            path = tokens[i + 1]
            i += 2
            if status[0] == "D":
                deleted.append(path)
                continue
            changes.append(Change(path, None if status[0] == "A" else path))
    proc = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    untracked = []
    if proc.returncode == 0:
        untracked = [p for p in proc.stdout.decode("utf-8", errors="surrogateescape").split("\0") if p]
    deleted = [p for p in deleted if p.endswith(PY_SUFFIXES)]
    moved = pair_renames(root, base, [p for p in untracked if p.endswith(PY_SUFFIXES)], deleted)
    paired = {c.old_path for c in moved}
    changes += moved + [Change(p, p, deleted=True) for p in deleted if p not in paired]
    return [c for c in changes if c.path.endswith(PY_SUFFIXES)]


RENAME_SIMILARITY = 0.5  # git's default for -M
MAX_RENAME_PAIRS = 2500


def pair_renames(root: Path, base: str, untracked: list[str], deleted: list[str]) -> list[Change]:
    """Untracked files are invisible to ``git diff``, so a file moved with plain ``mv``
    shows up as deleted + untracked. Pair them as git's rename detection would: the
    most similar deleted file, at least 50% alike."""
    if not deleted or not untracked or len(deleted) * len(untracked) > MAX_RENAME_PAIRS:
        return [Change(p, None) for p in untracked]
    old_lines = {p: (base_text(root, base, p) or "").splitlines() for p in deleted}
    new_lines = {}
    for path in untracked:
        try:
            new_lines[path] = SourceFile.read(root / path).text.splitlines()
        except (OSError, UnicodeDecodeError, LookupError):
            new_lines[path] = []
    scores = []
    for path, lines in new_lines.items():
        for old, before in old_lines.items():
            ratio = difflib.SequenceMatcher(None, before, lines, autojunk=False).ratio()
            if ratio >= RENAME_SIMILARITY:
                scores.append((-ratio, path, old))
    paired: dict[str, str] = {}
    taken: set[str] = set()
    for _, path, old in sorted(scores):  # most similar pairs first, as git does
        if path not in paired and old not in taken:
            paired[path] = old
            taken.add(old)
    return [Change(p, paired.get(p)) for p in untracked]


def base_text(root: Path, base: str, path: str) -> str | None:
    proc = _git(root, "show", f"{base}:{path}")
    if proc.returncode != 0:
        return None
    return decode(proc.stdout)


def decode(raw: bytes) -> str:
    """As :class:`SourceFile` decodes a file: BOM, then the PEP 263 coding line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return raw.decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("utf-8", errors="replace")


# --- matching ----------------------------------------------------------------------------------


def changed_lines(before: str, after: str) -> set[int]:
    """1-based lines of ``after`` that are not unchanged lines of ``before``."""
    a, b = before.splitlines(), after.splitlines()
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
    return out


@dataclass
class _Side:
    """One changed file: its findings at the base and in the working tree."""

    file: str  # the head path; a renamed file's base findings are anchored on it too
    head: list[Diagnostic]
    head_source: str | None
    base: list[Diagnostic]
    base_source: str | None
    changed: set[int] | None  # head lines that changed; None: all of them
    result: FileResult | None = None  # the head's whole result; None for a deleted file


def _match_all(sides: list[_Side]) -> list[list[int]]:
    """For each side, the indices of its head findings that are new.

    Findings are matched across all the changed files at once (a kernel moved from
    one file to another keeps its findings) by :func:`identity.match`, with
    multiplicity. Among identical findings, those on changed lines are the new ones.
    """
    old, new, owner = [], [], []
    for s, side in enumerate(sides):
        old += identities([d for d in side.base if not d.suppressed], side.file, side.base_source)
        live = [i for i, d in enumerate(side.head) if not d.suppressed]
        new += identities([side.head[i] for i in live], side.file, side.head_source)
        owner += [(s, i) for i in live]

    def rank(k: int) -> tuple:
        side = sides[owner[k][0]]
        d = side.head[owner[k][1]]
        touched = side.changed is None or any(n in side.changed for n in range(d.start.line, d.end.line + 1))
        return (touched, d.sort_key())

    order = sorted(range(len(new)), key=rank)
    matched, _ = match(old, [new[k] for k in order])
    out: list[list[int]] = [[] for _ in sides]
    for position, k in enumerate(order):
        if position not in matched:
            s, i = owner[k]
            out[s].append(i)
    return out


# --- the review --------------------------------------------------------------------------------


def _display(root: Path, path: str) -> str:
    full = root / path
    try:
        rel = os.path.relpath(full)
    except ValueError:
        return str(full)
    return str(full) if rel.startswith("..") else rel


def _selected(root: Path, change: Change, limits: list[Path], resolver: Resolver) -> bool:
    from .discovery import iter_files

    full = (root / change.path)
    if limits:
        resolved = full.resolve()
        if not any(resolved == p or p in resolved.parents for p in limits):
            return False
    if change.deleted:
        return not resolver.for_path(full).is_excluded(full)
    if not full.is_file():
        return False
    return bool(list(iter_files([full], resolver)))  # excludes apply (force-exclude is on)


def review(ref: str, paths: list[Path], resolver: Resolver, cwd: Path | None = None,
           restricted: bool = False) -> ReviewResult:
    """``paths`` limit the review to what lies below them; none means the whole
    repository, unless ``restricted`` (paths were named, none of them exists)."""
    root = repo_root(cwd)
    base = merge_base(root, ref)
    limits = [p.resolve() for p in paths]
    out = ReviewResult(ref, base, [])
    sides: list[_Side] = []
    for change in changed_files(root, base):
        if (restricted and not limits) or not _selected(root, change, limits, resolver):
            continue
        full = root / change.path
        display = _display(root, change.path)
        settings = resolver.for_path(full)
        if change.deleted:
            old = base_text(root, base, change.path)
            before = check_source(old, display, settings) if old is not None else FileResult(display)
            sides.append(_Side(change.path, [], None, before.diagnostics, old, None))
            continue
        try:
            source = SourceFile.read(full)
        except (OSError, UnicodeDecodeError, LookupError) as e:
            raise ReviewError(f"{display}: cannot read: {e}") from e
        head = check_source(source.text, display, settings)
        old = base_text(root, base, change.old_path) if change.old_path else None
        before = check_source(old, display, settings) if old is not None else FileResult(display)
        if before.error is not None:
            out.base_unparsed.append(display)
        changed = changed_lines(old, source.text) if old is not None else None
        sides.append(_Side(change.path, head.diagnostics, source.text, before.diagnostics, old, changed, head))
        out.sources[display] = source.text
    for side, new in zip(sides, _match_all(sides), strict=True):
        head = side.result
        if head is None:
            continue
        diagnostics = sorted((side.head[i] for i in new), key=Diagnostic.sort_key)
        out.existing += sum(1 for d in head.diagnostics if not d.suppressed) - len(diagnostics)
        out.results.append(FileResult(head.path, diagnostics=diagnostics, error=head.error, kernels=head.kernels))
    out.results.sort(key=lambda r: r.path)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_for(outcome: ReviewResult, statistics: bool = False):
    from .reporters import Report

    new = outcome.new
    files = len(outcome.results)
    base = outcome.base_sha[:12]
    title = f"tritonlint review: {_plural(len(new), 'new finding')}" if new else "tritonlint review: no new findings"
    intro = (f"Compared with `{base}`, the merge base of `{outcome.base_ref}` and `HEAD`: "
             f"{_plural(files, 'changed Python file')} checked.")
    if outcome.existing:
        intro += (f" {_plural(outcome.existing, 'finding')} that already existed at the base "
                  f"{'is' if outcome.existing == 1 else 'are'} not shown.")
    if new:
        intro += (" Each finding below is an int32 computation that reaches a pointer: past the size given, "
                  "the offset wraps and the kernel reads or writes the wrong memory.")
    if outcome.base_unparsed:
        intro += (" The base version of " + ", ".join(f"`{p}`" for p in outcome.base_unparsed)
                  + " did not parse, so all its findings are shown.")
    kernels = sum(r.kernels for r in outcome.results)
    footer = f"tritonlint review --base {outcome.base_ref}: {_plural(files, 'file')}, {_plural(kernels, 'kernel')}."
    return Report(outcome.results, statistics=statistics,
                  extra={"title": title, "preamble": intro, "footer": footer, "sources": outcome.sources,
                         "review": {"base_ref": outcome.base_ref, "base": outcome.base_sha,
                                    "existing": outcome.existing}})


def text_summary(text: str, report, outcome: ReviewResult) -> str:
    """The text report ends with ``check``'s summary; a review that subtracted the
    findings already at the base must not call the changed files clean."""
    from .reporters.text import summary

    if not outcome.existing or report.errors:
        return text
    line = summary(report)
    files, kernels = len(outcome.results), sum(r.kernels for r in outcome.results)
    if outcome.new:
        ours = f"{line} {_plural(outcome.existing, 'existing finding')} not shown."
    else:
        ours = (f"tritonlint review: no new findings ({outcome.existing} existing) in "
                f"{_plural(files, 'changed file')} checked ({_plural(kernels, 'kernel')}).")
    body = text.rstrip("\n")
    if body.endswith(line):
        return body[: len(body) - len(line)] + ours + "\n"
    return text + ours + "\n"


def run_review(args) -> int:
    from .options import overrides_from
    from .reporters import render
    from .reporters.output import emit, print_errors, statistics, statistics_json, use_color

    # A missing path is an E999 of its own, as in `check`: the paths that exist are
    # still reviewed (and when none does, nothing is: not the whole repository).
    missing = [p for p in args.paths if not p.exists() and not p.is_symlink()]
    present = [p for p in args.paths if p not in missing]
    try:
        resolver = Resolver({**overrides_from(args), "force_exclude": True}, args.config)
        outcome = review(args.base, present, resolver, restricted=bool(args.paths))
    except (ReviewError, ConfigError) as e:
        print(f"tritonlint: error: {e}", file=sys.stderr)
        return 2
    for p in missing:
        outcome.results.append(FileResult(str(p), error=ParseError(str(p), 1, 1,
                                                                   "cannot read: no such file or directory")))
    outcome.results.sort(key=lambda r: r.path)
    report = report_for(outcome, statistics=args.statistics)
    if args.format == "text":
        text = text_summary(render("text", report, color=use_color(args.color, args.output_file)), report, outcome)
        if args.statistics:
            text += statistics(report)
    elif args.format == "json" and args.statistics:
        text = statistics_json(report)
    else:
        text = render(args.format, report)
    emit(text, args.output_file)
    print_errors(report)
    if report.errors:
        return 2
    if report.diagnostics and not args.exit_zero:
        return 1
    return 0
