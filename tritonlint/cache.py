"""The on-disk cache: what a file's check found, and what its host code says about
launches, reused while nothing they depend on has changed (ruff's cache).

Layout, as ruff's ``.ruff_cache``::

    .tritonlint_cache/            at the project root, or --cache-dir / TRITONLINT_CACHE_DIR / cache-dir
        CACHEDIR.TAG              backup tools skip the folder
        .gitignore                `*`: git never sees it
        <version>/<project>-<code>.json

One JSON file per project root (``<project>``: a digest of the root's path) and per
build of the linter (``<code>``: a digest of the linter's own source, so an edited
checkout never reads what another build wrote). Nothing is pickled: an entry is a
JSON text, kept as a string inside the file next to its own digest, and decoded only
into the few classes :func:`classes` names. A file that does not parse, names
another tool, version or build, or an entry whose digest does not match its text or
that does not decode into what it should is ignored: it is a miss, never an error,
and never trusted. Writes go to a temporary file in the same folder, then
``os.replace``: a reader sees the old file or the new one, never half of one.

What an entry is keyed by is the business of :mod:`tritonlint.cached_check`.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from . import __version__

#: the environment variables, as ruff's RUFF_CACHE_DIR and RUFF_NO_CACHE
DIR_VARIABLE = "TRITONLINT_CACHE_DIR"
OFF_VARIABLE = "TRITONLINT_NO_CACHE"
DEFAULT_DIR = ".tritonlint_cache"
TOOL = "tritonlint"
#: bumped when the file's own layout changes (the entries' classes are covered by ``code``)
SCHEMA = 1
CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by tritonlint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")


def digest(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# ---------------------------------------------------------------------------- codec
@functools.cache
def classes() -> dict[str, type]:
    """The only classes an entry decodes into (loaded with the run, not at start-up)."""
    from .diagnostics import (
        Applicability,
        Diagnostic,
        Edit,
        FileResult,
        Fix,
        ParseError,
        Position,
        Severity,
    )
    from .launches import HostArg, Launch

    return {c.__name__: c for c in (Applicability, Diagnostic, Edit, FileResult, Fix, ParseError, Position,
                                    Severity, HostArg, Launch)}


class Unencodable(TypeError):
    """A value the cache cannot write faithfully: the caller does not cache it."""


def encode(value):
    """A JSON value that :func:`decode` turns back into ``value``: tuples, sets and
    dicts are tagged, dataclasses and enums by class name (only those of :func:`classes`)."""
    if isinstance(value, enum.Enum):  # first: a str enum (Applicability) is also a str
        _known(value)
        return {"@e": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unencodable(f"{value!r}")
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _known(value)
        return {"@c": type(value).__name__,
                "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"@t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [encode(v) for v in value]
        return {"@f" if isinstance(value, frozenset) else "@s": sorted(items, key=_order)}
    if isinstance(value, dict):
        return {"@m": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, Path):
        return {"@p": str(value)}
    raise Unencodable(f"cannot cache a {type(value).__name__}")


def _order(item) -> str:
    return json.dumps(item, sort_keys=True)


def _known(value) -> None:
    if classes().get(type(value).__name__) is not type(value):
        raise Unencodable(f"cannot cache a {type(value).__name__}")


def decode(data):
    """The inverse of :func:`encode`; raises ValueError on anything it did not write."""
    if data is None or isinstance(data, (bool, int, str, float)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError("not an encoded value")
    if "@t" in data:
        return tuple(decode(v) for v in _list(data["@t"]))
    if "@f" in data:
        return frozenset(decode(v) for v in _list(data["@f"]))
    if "@s" in data:
        return {decode(v) for v in _list(data["@s"])}
    if "@m" in data:
        return {decode(k): decode(v) for k, v in _list(data["@m"])}
    if "@p" in data:
        return Path(_str(data["@p"]))
    if "@e" in data:
        return _class(data["@e"], enum.Enum)(data["v"])
    if "@c" in data:
        cls = _class(data["@c"], None)
        fields = data["f"]
        if not isinstance(fields, dict) or fields.keys() != _field_names(cls):
            raise ValueError(f"the fields of {cls.__name__} differ")
        return cls(**{k: decode(v) for k, v in fields.items()})
    raise ValueError("not an encoded value")


@functools.cache
def _field_names(cls) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def _list(v) -> list:
    if not isinstance(v, list):
        raise ValueError("expected a list")  # noqa: TRY004 - a damaged entry, one kind of error for all
    return v


def _str(v) -> str:
    if not isinstance(v, str):
        raise ValueError("expected a string")  # noqa: TRY004 - as _list
    return v


def _class(name, base):
    cls = classes().get(name) if isinstance(name, str) else None
    if cls is None or (base is not None and not issubclass(cls, base)) or (base is None and issubclass(cls, enum.Enum)):
        raise ValueError(f"unknown class {name!r}")
    return cls




def canonical(value) -> str:
    """A stable text for a value of settings (no set order, no memory address in
    it): what a settings digest is computed from. Raises :class:`Unencodable` on a
    value it does not know how to spell, so a new kind of setting cannot be left
    out of the key silently."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value):
    if isinstance(value, enum.Enum):
        return [type(value).__name__, _plain(value.value)]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"@": type(value).__qualname__,
                **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=_order)
    if isinstance(value, dict):
        return {"@map": sorted(([_plain(k), _plain(v)] for k, v in value.items()), key=_order)}
    if isinstance(value, Path):
        return os.fspath(value)
    raise Unencodable(f"cannot key the cache by a {type(value).__name__}")


# ---------------------------------------------------------------------------- the linter's own build
_CODE: str | None = None


def code_digest() -> str:
    """A digest of the linter's own source (the package and its rules): a checkout
    edited between two runs, or another build of the same version, gets its own
    cache file. Reading the ~60 modules costs a few milliseconds."""
    global _CODE
    if _CODE is None:
        import importlib.util

        h = hashlib.blake2b(digest_size=8)
        h.update(f"{__version__}\0{SCHEMA}\0".encode())
        roots = [Path(__file__).resolve().parent]
        spec = importlib.util.find_spec("tritonlint.rules")  # rules/ may be installed apart from tritonlint/
        if spec is not None and spec.submodule_search_locations:
            roots += [Path(p).resolve() for p in spec.submodule_search_locations]
        seen = set()
        for root in roots:
            for f in sorted(root.rglob("*.py")):
                if f in seen or "__pycache__" in f.parts:
                    continue
                seen.add(f)
                h.update(f.relative_to(root).as_posix().encode() + b"\0")
                h.update(f.read_bytes() + b"\0")
        _CODE = h.hexdigest()
    return _CODE


# ---------------------------------------------------------------------------- where
def cache_dir(flag: Path | None, setting: Path | None, project_root: Path) -> Path:
    """``--cache-dir``, then ``TRITONLINT_CACHE_DIR``, then the ``cache-dir`` setting,
    then ``.tritonlint_cache`` at the project root (ruff's order)."""
    if flag is not None:
        return flag
    env = os.environ.get(DIR_VARIABLE)
    if env:
        return Path(env)
    if setting is not None:
        return setting
    return project_root / DEFAULT_DIR


def disabled_by_environment() -> bool:
    return os.environ.get(OFF_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


class Store:
    """One project's cache file: ``host`` and ``results`` tables of entries by path.
    Entries are (digest, JSON text); :meth:`get` checks and decodes one on demand."""

    def __init__(self, directory: Path, project_root: Path):
        self.directory = directory
        self.name = f"{digest(str(project_root.resolve()))[:16]}-{code_digest()}"
        self.file = directory / __version__ / f"{self.name}.json"
        self.tables: dict[str, dict[str, list]] = {"host": {}, "results": {}}
        self.changed = False
        self._decoded: dict[tuple[str, str], dict | None] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError, RecursionError):
            return  # none yet, unreadable, truncated or not JSON: start empty
        if not isinstance(data, dict) or data.get("tool") != TOOL or data.get("schema") != SCHEMA \
                or data.get("version") != __version__ or data.get("code") != code_digest():
            return  # another tool's, version's or build's file: not ours to trust
        for table in self.tables:
            entries = data.get(table)
            if isinstance(entries, dict):
                self.tables[table] = {k: v for k, v in entries.items()
                                      if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)}

    def get(self, table: str, path: str) -> dict | None:
        """The entry for ``path``, decoded, or None when there is none or it is damaged
        (decoded once per run: a caller that changes it puts it back)."""
        if (table, path) not in self._decoded:
            self._decoded[table, path] = self._get(table, path)
        return self._decoded[table, path]

    def _get(self, table: str, path: str) -> dict | None:
        entry = self.tables[table].get(path)
        if entry is None:
            return None
        check, text = entry
        if check != digest(text):
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, table: str, path: str, value: dict) -> None:
        self._decoded[table, path] = value
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        entry = [digest(text), text]
        if self.tables[table].get(path) != entry:
            self.tables[table][path] = entry
            self.changed = True

    def save(self) -> None:
        """Write the file atomically, when something changed. A cache that cannot be
        written (a read-only tree) is skipped silently, as ruff does."""
        if not self.changed:
            return
        try:
            self._prepare()
            data = {"tool": TOOL, "schema": SCHEMA, "version": __version__, "code": code_digest(), **self.tables}
            fd, tmp = tempfile.mkstemp(prefix=f".{self.name}.", suffix=".tmp", dir=self.file.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, separators=(",", ":"), ensure_ascii=False)
                _readable(tmp)
                os.replace(tmp, self.file)
            except BaseException:
                _remove(Path(tmp))
                raise
            self.changed = False
            self._prune()
        except OSError:
            return

    def _prepare(self) -> None:
        new = not self.directory.exists()
        self.file.parent.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "# Automatically created by tritonlint.\n*\n")):
            marker = self.directory / name
            if new or not marker.exists():
                _write_atomically(marker, text)

    def _prune(self) -> None:
        """Files this project's earlier builds wrote: never read again."""
        project = self.name.split("-", 1)[0]
        for other in self.file.parent.glob(f"{project}-*.json"):
            if other != self.file:
                _remove(other)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        _readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        _remove(Path(tmp))
        raise


def _readable(tmp: str) -> None:
    """The mode an ordinary new file gets (mkstemp's are private to their owner)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def open_store(flag: Path | None, resolver) -> Store | None:
    """The run's cache, or None when ``TRITONLINT_NO_CACHE`` turns it off. The project
    root is the folder of the configuration that applies to the working directory
    (the working directory itself without one), as ruff's."""
    if disabled_by_environment():
        return None
    settings = resolver.for_path(Path.cwd())
    root = settings.root if settings.source != "defaults" else Path.cwd()
    return Store(cache_dir(flag, settings.cache_dir, root), root)
