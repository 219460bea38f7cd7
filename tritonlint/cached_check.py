"""A check that reuses the cache: what is keyed by what.

Two tables, by display path (cache.py stores them):

``host``: what a file's host code says, for the run's launch index (the stdlib
``ast`` reading of launches.py, host_dtypes.py and host_guards.py that takes 5 to 9
seconds on vLLM). Keyed by the file's bytes; its launches also depend on the run's
kernel names, but only through the names the file mentions: ``read_launches``
looks for launches of ``names & words(text)`` only. So an entry keeps that
intersection and is reused while the run's names are the same, or, when they
changed, while the file still mentions the same ones (a scan of its words, no
parse).

``results``: the file's :class:`FileResult`. Keyed by

* the file's bytes;
* a digest of its settings: every field of :class:`Settings` (selection, sizes,
  target versions, strict, per-file ignores, its root...), spelled generically, so a
  setting added later is in the key without anyone remembering to add it;
  ``cache_dir`` alone is left out (it says where, not what);
* the launch facts it can consume: for every kernel name of the run that the file's
  text mentions (the analysis asks the index only for kernels the file defines),
  the files that define that name, the launches of every file that launches it (all
  of that file's launches, as one digest: more than needed, never less), and the
  run-wide element types of the tensors those launches name;
* the linter's version and own source (the cache file's name, cache.py).

A hit is byte for byte the result a fresh check gives (tests/test_cache.py); the
report's code frames come from the file's text as it is now, which has the bytes
the entry was keyed by. ``--fix``, ``--diff``, ``--add-noqa`` and stdin never come here.
"""
from __future__ import annotations

import io
import json
import os
import stat as stat_module
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Store, Unencodable, canonical, decode, digest, encode
from .diagnostics import FileResult
from .settings import Resolver, Settings

if TYPE_CHECKING:
    from .launch_facts import LaunchIndex
    from .progress import Progress

#: how long a file must have been unchanged before it was hashed for its
#: timestamps to stand for its digest later (see _File)
STABLE_NS = 2_000_000_000
#: Settings fields that do not change what a file's check finds
NOT_IN_KEY = frozenset({"cache_dir"})


def settings_digest(settings: Settings) -> str:
    from dataclasses import fields

    return digest(canonical({f.name: getattr(settings, f.name) for f in fields(settings) if f.name not in NOT_IN_KEY}))


def host_text(raw: bytes) -> str:
    """The text the launch index reads (``Path.read_text(errors="replace")``: universal newlines)."""
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace").read()


class _File:
    """One file of the run. Only its digest is kept: the text is read again where it
    is needed (holding every file's bytes and text would double a run's memory), and
    a read whose bytes no longer have the digest counts as a miss.

    The digest itself is taken from the host entry without reading the file when
    the file's inode, size, modification and change times are those recorded when
    it was last hashed, and it had not changed for ``STABLE_NS`` before that read
    (git's answer to racy timestamps: a write after the read moves the change time
    past the recorded one, which no tool can set back)."""

    __slots__ = ("display", "key", "path", "settings_key", "sha", "stat")

    def __init__(self, path: Path, settings_key: str, known: dict | None = None):
        self.path = path
        self.display = str(path)  # what results and launches name it by
        self.key = os.path.abspath(self.display)  # what the cache files it under, whatever the working directory
        self.settings_key = settings_key
        self.sha = None
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            st = None
        hashed_at = time.time_ns()
        seen = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns] if st is not None else None
        if seen is not None and stat_module.S_ISREG(st.st_mode) and known is not None \
                and known.get("stat") == seen and isinstance(known.get("sha"), str) \
                and isinstance(known.get("hashed_at"), int) \
                and max(st.st_mtime_ns, st.st_ctime_ns) < known["hashed_at"] - STABLE_NS:
            self.sha, self.stat = known["sha"], {"stat": seen, "hashed_at": known["hashed_at"]}
            return
        raw = self.bytes()
        self.sha = digest(raw) if raw is not None else None  # None: unreadable, checked as without a cache
        self.stat = {"stat": seen, "hashed_at": hashed_at} if seen is not None else {}

    def bytes(self) -> bytes | None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        return raw if self.sha is None or self.sha == digest(raw) else None

    def host(self) -> str | None:
        """The text the launch index reads, or None when the file changed meanwhile."""
        raw = self.bytes()
        return host_text(raw) if raw is not None else None

    def source(self):
        """The text the check reads (engine.SourceFile), or None when it cannot be
        decoded or changed meanwhile."""
        from .engine import SourceFile

        raw = self.bytes()
        if raw is None:
            return None
        try:
            return SourceFile.decode(raw)
        except (UnicodeDecodeError, LookupError):
            return None


def check_with_cache(files: list[Path], resolver: Resolver, jobs: int, progress: Progress | None,
                     store: Store) -> list[FileResult]:
    from .parallel import check_files, processes_for

    keys: dict = {}
    entries: list[_File] = []
    for f in files:
        settings = resolver.for_path(f)
        try:
            key = hash(settings), settings  # by value: each folder may get its own equal copy
        except TypeError:  # a setting that cannot be hashed: by identity
            key = id(settings)
        if key not in keys:
            keys[key] = settings_digest(settings)
        entries.append(_File(f, keys[key], store.get("host", os.path.abspath(f))))
    # the files whose entry cannot match whatever the launches say: the workers start
    # now, while the launches are read, as in a run without a cache
    stale = [e.path for e in entries if not _may_hit(store.get("results", e.key), e)]
    jobs = processes_for(stale, jobs) if stale else 1
    index, names_key, consumed = launch_index(entries, store, jobs)

    results: list[FileResult | None] = []
    misses: list[int] = []
    for i, e in enumerate(entries):
        result = _hit(store.get("results", e.key), e, names_key, consumed)
        results.append(result)
        if result is None:
            misses.append(i)
        elif progress is not None:
            progress.advance(result)
    if misses:
        # the launches themselves are decoded only now: a run that misses nothing needs their digests alone
        fresh = check_files([entries[i].path for i in misses], resolver, index(), jobs, progress)
        for i, result in zip(misses, fresh, strict=True):
            results[i] = result
            _remember(store, entries[i], result, names_key, consumed)
    _forget_deleted(store, {e.key for e in entries})
    store.save()
    return results  # type: ignore[return-value]


#: what is stored for a result with nothing in it (``FileResult(path)``): no value
#: ``encode`` writes is a bare string
_NOTHING = "nothing"


def _may_hit(entry: dict | None, e: _File) -> bool:
    return (e.sha is not None and entry is not None and entry.get("sha") == e.sha
            and entry.get("settings") == e.settings_key)


def _words(text: str, consumed: _Consumed) -> list[str]:
    """The run's kernel names the file's text mentions: all the analysis can ask the
    launch index about (it asks for the kernels the file defines)."""
    from .launches import _WORD

    return sorted(consumed.names.intersection(_WORD.findall(text)))


def _hit(entry: dict | None, e: _File, names_key: str, consumed: _Consumed) -> FileResult | None:
    if not _may_hit(entry, e):
        return None
    source = None
    words = entry.get("words")
    if entry.get("names") != names_key and entry.get("kernels") != 0:
        # the run's kernels changed: which of them the file names may have
        source = e.source()
        if source is None:
            return None
        words = _words(source.text, consumed)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        return None
    launch_key = consumed.digest(words)
    if launch_key is None or launch_key != entry.get("launches"):
        return None
    if entry.get("result") == _NOTHING:
        return FileResult(e.display)
    try:
        result = decode(entry.get("result"))
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if not isinstance(result, FileResult) or result.path != e.display \
            or (entry.get("kernels") == 0 and result.kernels != 0) \
            or any(getattr(d, "path", None) != e.display for d in result.diagnostics):
        return None
    if result.diagnostics:
        source = source or e.source()
        if source is None:
            return None
        result.source = source.text  # what check_source keeps for the code frames
    return result


def _remember(store: Store, e: _File, result: FileResult, names_key: str, consumed: _Consumed) -> None:
    """Store a fresh result, if the file still has the bytes it was keyed by (else
    the result may be of either text); one that cannot be read or decoded is
    reported afresh each run."""
    source = e.source() if e.sha is not None else None
    if source is None:
        return
    # a file without a kernel never asks the launch index anything (the engine stops
    # before the analysis): what other modules launch cannot change its result
    words = _words(source.text, consumed) if result.kernels else []
    launch_key = consumed.digest(words)
    if launch_key is None or not consumed.trusted:
        return
    kept = replace(result, source=None)
    try:
        # most files of a tree hold no kernel and have nothing to say: a marker, not a
        # result to decode again on every run
        encoded = _NOTHING if kept == FileResult(result.path) else encode(kept)
    except Unencodable:
        return
    store.put("results", e.key, {"sha": e.sha, "settings": e.settings_key, "names": names_key, "words": words,
                                 "launches": launch_key, "kernels": result.kernels, "result": encoded})


def _forget_deleted(store: Store, seen: set[str]) -> None:
    for table in store.tables.values():
        for key in [k for k in table if k not in seen and not os.path.exists(k)]:
            del table[key]
            store.changed = True


# ---------------------------------------------------------------------------- host facts
def launch_index(entries: list[_File], store: Store, jobs: int = 1) -> tuple[Callable[[], LaunchIndex], str, _Consumed]:
    """The run's launch index, as ``LaunchIndex.from_paths`` reads it, from the cache
    where a file's host facts are there (a function: the cached launches are decoded
    when the index is first needed); a digest of the run's kernel names; and what
    each kernel consumes from the index."""
    from .host_dtypes import file_widths, merge
    from .launch_facts import LaunchIndex
    from .launches import kernel_names, launched_names, read_launches

    readable, facts = [], []
    for e in entries:
        if e.sha is None:
            continue
        entry = store.get("host", e.key)
        if entry is None or entry.get("sha") != e.sha or not _host_shape(entry):
            text = e.host()
            if text is None:
                continue  # changed since it was hashed: its launches are read when it is checked again
            entry = {"sha": e.sha, "defines": sorted(kernel_names(text)) if "jit" in text else [],
                     "widths": {k: sorted(v) for k, v in file_widths(text, e.display).items()}}
        entry.pop("stat", None)
        entry.pop("hashed_at", None)
        entry.update(e.stat)
        readable.append(e)
        facts.append(entry)
    definitions: dict[str, set[str]] = {}
    for e, entry in zip(readable, facts):
        for name in entry["defines"]:
            definitions.setdefault(name, set()).add(e.display)
    names = set(definitions)
    names_key = digest(canonical(sorted(names)))
    # per file: its launches (None: still to be decoded from ``text``), and for the
    # digests the text of their JSON (None: not cacheable) and the kernels they launch
    per_file: list[tuple[_File, list | None, str | None, list[str]]] = []
    to_read: list[tuple[int, dict, str, set[str]]] = []  # (place in per_file, entry, text, names it mentions)
    for e, entry in zip(readable, facts):
        found, text = None, None
        stored = entry.get("launches")
        kernels = entry.get("kernels")
        if isinstance(stored, str) and isinstance(kernels, list) and all(isinstance(k, str) for k in kernels):
            if entry.get("names") != names_key:
                text = e.host() or ""
            if entry.get("names") == names_key or entry.get("mentioned") == sorted(launched_names(text, names)):
                per_file.append((e, None, stored, kernels))
                entry["names"] = names_key
                store.put("host", e.key, entry)
                continue
        text = text if text is not None else (e.host() or "")
        mentioned = launched_names(text, names)  # one scan of the file's words serves both
        entry["mentioned"] = sorted(mentioned)
        per_file.append((e, [], None, []))
        if mentioned:
            to_read.append((len(per_file) - 1, entry, text, mentioned))
        else:
            _keep_launches(store, e, entry, [], names_key)
            per_file[-1] = (e, [], entry.get("launches"), entry["kernels"])
    for (place, entry, _, _), found in zip(to_read, _read_all(to_read, per_file, names, jobs), strict=True):
        e = per_file[place][0]
        _keep_launches(store, e, entry, found, names_key)
        per_file[place] = (e, found, entry.get("launches"), entry["kernels"])
    any_launch = any(kernels for *_, kernels in per_file)
    widths = [{k: set(v) for k, v in entry["widths"].items()} for entry in facts]
    dtypes = merge(widths) if any_launch else {}
    consumed = _Consumed(definitions, dtypes, [(e.display, text, kernels) for e, _, text, kernels in per_file
                                               if kernels])
    built: list[LaunchIndex] = []

    def index() -> LaunchIndex:
        if not built:
            launches = []
            for e, found, text, _ in per_file:
                if found is None:
                    try:
                        found = _launches(decode(json.loads(text)), e.display)
                    except (ValueError, TypeError, KeyError, RecursionError):
                        # a damaged entry its digest did not catch: read the file, and keep no
                        # result keyed by what that entry said
                        found = read_launches(e.host() or "", e.display, names)
                        consumed.trusted = False
                launches.extend(found)
            built.append(LaunchIndex(launches, definitions, dtypes))
        return built[0]

    return index, names_key, consumed


def _keep_launches(store: Store, e: _File, entry: dict, found: list, names_key: str) -> None:
    entry["kernels"] = sorted({ln.kernel for ln in found})
    entry["names"] = names_key
    try:
        entry["launches"] = json.dumps(encode(tuple(found)), separators=(",", ":"), ensure_ascii=False)
    except Unencodable:  # not cacheable: no digest can stand for it, so no result that reads it is kept
        entry.pop("launches", None)
    if "launches" in entry:
        store.put("host", e.key, entry)


#: fewer files to read launches from than this are read in this process: a pool's
#: start-up costs more than it saves
MIN_PARALLEL_LAUNCH_FILES = 64


def _read_all(to_read: list, per_file: list, names: set[str], jobs: int) -> list[list]:
    """The launches of each file of ``to_read``, in its order; on ``jobs`` processes
    when there are enough files (reading launches was most of a cold run's time in
    this process, before the workers that check the files could start)."""
    from .launches import read_launches

    tasks = [(text, per_file[place][0].display, names, mentioned) for place, _, text, mentioned in to_read]
    if jobs <= 1 or len(tasks) < MIN_PARALLEL_LAUNCH_FILES:
        return [read_launches(*task) for task in tasks]
    from concurrent.futures import ProcessPoolExecutor

    from .parallel import _start_method

    with ProcessPoolExecutor(max_workers=jobs, mp_context=_start_method()) as pool:
        return list(pool.map(_read_launches, tasks, chunksize=16))


def _read_launches(task) -> list:
    from .launches import read_launches

    return read_launches(*task)


def _host_shape(entry: dict) -> bool:
    defines, widths = entry.get("defines"), entry.get("widths")
    return (isinstance(defines, list) and all(isinstance(n, str) for n in defines) and isinstance(widths, dict)
            and all(isinstance(v, list) and all(isinstance(b, bool) for b in v) for v in widths.values()))


def _launches(value, display: str) -> list:
    from .launches import Launch

    if not isinstance(value, tuple) or not all(isinstance(ln, Launch) and ln.path == display for ln in value):
        raise ValueError("not launches")
    return list(value)


class _Consumed:
    """Digests of what the launch index tells a file's kernels. For a kernel name:
    the files that define it, the launches of every file that launches it (a file's
    launches as one digest of their JSON: a change to any launch in that file counts,
    which is more than needed and never less), and the run-wide element types of the
    tensors those files' launches name (launch_facts' ``typed``)."""

    def __init__(self, definitions: dict[str, set[str]], dtypes: dict[str, bool],
                 sources: list[tuple[str, str | None, list[str]]]):
        from .launches import _WORD

        self.definitions = definitions
        self.dtypes = dtypes
        self.names = set(definitions)
        #: False once a cached launch turned out not to decode (see launch_index)
        self.trusted = True
        self._files: dict[str, list[tuple[str, str | None, set[str]]]] = {}
        for display, text, kernels in sources:
            key = digest(text) if text is not None else None
            words = set(_WORD.findall(text)) if text is not None else set()
            for kernel in kernels:
                self._files.setdefault(kernel, []).append((display, key, words))
        self._by_name: dict[str, str | None] = {}

    def _kernel(self, name: str) -> str | None:
        if name not in self._by_name:
            files = self._files.get(name, [])
            if any(key is None for _, key, _ in files):
                self._by_name[name] = None
            else:
                words = set().union(*(w for _, _, w in files)) if files else set()
                dtypes = sorted((w, self.dtypes[w]) for w in words if w in self.dtypes)
                self._by_name[name] = digest(json.dumps([sorted(self.definitions.get(name, ())),
                                                         [[d, k] for d, k, _ in files], dtypes]))
        return self._by_name[name]

    def digest(self, names: list[str]) -> str | None:
        """None when some launch it depends on could not be cached (never matches)."""
        parts = []
        for name in names:
            kernel = self._kernel(name)
            if kernel is None:
                return None
            parts.append(f"{name}={kernel}")
        return digest("\n".join(parts))
