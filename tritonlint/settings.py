"""Settings: ``[tool.tritonlint]`` in the nearest ``pyproject.toml``, then flags.

A bad setting is a :class:`ConfigError` naming the file and the key; the CLI
turns it into exit code 2.
"""
from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
    "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "*.egg-info",
    ".eggs", "_build", "buck-out",
)
SUPPORTED_TARGETS = ("2.1", "2.2", "2.3", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9")
#: The newest Triton the project verifies: the compiler oracle runs on it in CI
#: (.ci/run) as well as on the pinned test Triton. The default target.
DEFAULT_TARGET = "3.9"
KNOWN_KEYS = {
    "select", "ignore", "extend-select", "exclude", "extend-exclude", "per-file-ignores", "target-version",
    "force-exclude", "int64-pointers", "strict", "sizes", "respect-gitignore", "extend-per-file-ignores",
    "baseline", "cache-dir",
}
#: settings whose command-line value adds to the configuration's instead of replacing it
EXTENDING = ("extra_selections", "extend_exclude", "extend_per_file_ignores", "sizes")


class ConfigError(Exception):
    """A setting that cannot be used; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the default-enabled rules
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extend_per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: rule selections layered after this file's own (``--config KEY=VALUE``, then the flags)
    extra_selections: tuple = ()
    #: the Triton versions the kernels must be right on (``target-version``, one or a list):
    #: each rule judges a kernel on the strictest of them (see ``target`` and ``targets``)
    target_version: tuple[str, ...] = (DEFAULT_TARGET,)
    force_exclude: bool = False
    #: skip files ignored by .gitignore (ruff's respect-gitignore)
    respect_gitignore: bool = True
    #: pointer parameters (glob patterns) whose elements are int64: indices loaded
    #: through them are int64, not the int32 the analysis assumes otherwise
    int64_pointers: tuple[str, ...] = ()
    #: report every int32 product that reaches an address, not only those a
    #: realistic workload wraps (an audit)
    strict: bool = False
    #: findings recorded here (``--write-baseline``) are not reported (baseline.py)
    baseline: Path | None = None
    #: where the cache lives (``cache-dir``; ``--cache-dir`` and TRITONLINT_CACHE_DIR win):
    #: the one setting that is not part of a cache entry's key (it says where, not what)
    cache_dir: Path | None = None
    #: the size model's maxima (``sizes.DEFAULTS`` overridden by ``[tool.tritonlint.sizes]``)
    sizes: tuple[tuple[str, int], ...] = ()
    root: Path = field(default_factory=Path.cwd)  # where relative patterns are anchored
    source: str = "defaults"  # where these settings came from (for messages)

    @property
    def size_table(self) -> dict[str, int]:
        from .sizes import DEFAULTS

        return {**DEFAULTS, **dict(self.sizes)}

    @property
    def targets(self) -> tuple[tuple[int, int], ...]:
        """Every target, oldest first."""
        return tuple(sorted(_version(v) for v in self.target_version))

    @property
    def target(self) -> tuple[int, int]:
        """The target the int-width analysis types with: the oldest. Typing only gets
        stricter going back (``tl.int64`` annotations are ignored before 3.0, ``x: int``
        is int32 below 2**31 either way), so the oldest target finds every product any
        target computes in int32. Rules whose *consequences* get worse with newer
        releases (TL005: the 3.7 launcher truncates silently) read ``targets``."""
        return self.targets[0]

    def enabled_codes(self, all_codes: dict[str, bool]) -> frozenset[str]:
        """Codes to run, from ``{code: enabled_by_default}`` (ruff's resolution: see selection.py)."""
        from .selection import RuleSelection, resolve

        own = RuleSelection(self.select, self.extend_select, self.ignore, self.source)
        return resolve((own, *self.extra_selections), all_codes)

    def ignored_for(self, path: Path, all_codes: dict[str, bool]) -> frozenset[str]:
        rel = _relative(path, self.root)
        out: set[str] = set()
        for pattern, codes in (*self.per_file_ignores, *self.extend_per_file_ignores):
            if _match_anchored(path, rel, pattern):
                out |= expand(codes, all_codes, self.source)
        return frozenset(out)

    def is_excluded(self, path: Path, real: Path | None = None) -> bool:
        """What ``_match_anchored(path, rel, pattern) or any(fnmatch(part, pattern) for
        part in rel.split("/"))`` says for some pattern, with all the patterns compiled
        into one expression per test (discovery asks this of every file and folder:
        pattern by pattern, it was a third of a warm run on vLLM)."""
        return _exclusion(self.exclude + self.extend_exclude)(path, _relative(path, self.root, real))


def expand(selectors, all_codes: dict[str, bool], where: str) -> set[str]:
    out: set[str] = set()
    for sel in selectors:
        s = sel.strip().upper()
        if s == "ALL":
            out |= set(all_codes)
            continue
        matched = {c for c in all_codes if c.startswith(s)}
        if not matched or not re.fullmatch(r"[A-Z]+[0-9]*", s):
            raise ConfigError(f"{where}: unknown rule code or prefix `{sel}` (known: {', '.join(sorted(all_codes))}, ALL)")
        out |= matched
    return out


def _relative(path: Path, root: Path, real: Path | None = None) -> str:
    """``real``: where the path really is, when the caller knows (discovery does)."""
    try:
        return (real if real is not None else path.resolve()).relative_to(_resolved(root)).as_posix()
    except ValueError:
        return path.as_posix()


@functools.lru_cache(maxsize=256)
def _resolved(root: Path) -> Path:
    return root.resolve()


@functools.lru_cache(maxsize=64)
def _exclusion(patterns: tuple[str, ...]):
    """A test of (path, rel) equal to matching each pattern as ``_match_anchored``
    and against each part of ``rel`` (fnmatch's rules: os.path.normcase, then
    fnmatch.translate)."""
    def either(pats):
        pats = [os.path.normcase(p) for p in pats]
        return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in pats)).match if pats else None

    relative = [p.rstrip("/") for p in patterns if not p.startswith("/")]
    absolute = [p.rstrip("/") for p in patterns if p.startswith("/")]
    rel_whole, rel_last = either([q for p in relative for q in (p, p + "/*")]), either(relative)
    abs_whole, abs_last = either([q for p in absolute for q in (p, p + "/*")]), either(absolute)
    part = either(patterns)

    def excluded(path: Path, rel: str) -> bool:
        rel = os.path.normcase(rel)
        if rel_whole is not None and (rel_whole(rel) or rel_last(rel.split("/")[-1])):
            return True
        if part is not None and any(part(p) for p in rel.split("/")):
            return True
        if abs_whole is not None:
            whole = os.path.normcase(path.resolve().as_posix())
            return bool(abs_whole(whole) or abs_last(whole.split("/")[-1]))
        return False

    return excluded


def _match(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*") or fnmatch.fnmatch(rel.split("/")[-1], pattern)


def _match_anchored(path: Path, rel: str, pattern: str) -> bool:
    """Patterns from the command line are anchored at the current directory (made
    absolute); the configuration's are relative to its own directory."""
    if pattern.startswith("/"):
        return _match(path.resolve().as_posix(), pattern)
    return _match(rel, pattern)


def _strings(value, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def from_table(table: dict, base: Settings, where: str, root: Path) -> Settings:
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))} in [tool.tritonlint] "
                          f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    changes: dict = {"root": root, "source": where}
    if "select" in table:
        changes["select"] = _strings(table["select"], "select", where)
    if "extend-select" in table:
        changes["extend_select"] = _strings(table["extend-select"], "extend-select", where)
    if "ignore" in table:
        changes["ignore"] = _strings(table["ignore"], "ignore", where)
    if "exclude" in table:
        changes["exclude"] = _strings(table["exclude"], "exclude", where)
    if "extend-exclude" in table:
        changes["extend_exclude"] = _strings(table["extend-exclude"], "extend-exclude", where)
    if "force-exclude" in table:
        if not isinstance(table["force-exclude"], bool):
            raise ConfigError(f"{where}: `force-exclude` must be true or false")
        changes["force_exclude"] = table["force-exclude"]
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: `respect-gitignore` must be true or false")
        changes["respect_gitignore"] = table["respect-gitignore"]
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        if key in table:
            pfi = table[key]
            if not isinstance(pfi, dict):
                raise ConfigError(f"{where}: `{key}` must be a table of pattern = [codes]")
            changes[key.replace("-", "_")] = tuple((k, _strings(v, f"{key}.{k}", where)) for k, v in pfi.items())
    if "int64-pointers" in table:
        changes["int64_pointers"] = _strings(table["int64-pointers"], "int64-pointers", where)
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise ConfigError(f"{where}: `baseline` must be the path of a baseline file, got {table['baseline']!r}")
        changes["baseline"] = root / table["baseline"]  # relative to the configuration file
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError(f"{where}: `cache-dir` must be the path of a folder, got {table['cache-dir']!r}")
        changes["cache_dir"] = root / Path(table["cache-dir"]).expanduser()  # relative to the configuration file
    if "strict" in table:
        if not isinstance(table["strict"], bool):
            raise ConfigError(f"{where}: `strict` must be true or false")
        changes["strict"] = table["strict"]
    if "sizes" in table:
        from .sizes import validate

        if not isinstance(table["sizes"], dict):
            raise ConfigError(f"{where}: `sizes` must be a table of kind = maximum")
        try:
            table_sizes = validate(table["sizes"])
        except ValueError as e:
            raise ConfigError(f"{where}: [tool.tritonlint.sizes]: {e}") from e
        changes["sizes"] = tuple(sorted(table_sizes.items()))
    if "target-version" in table:
        changes["target_version"] = check_targets(table["target-version"], where)
    return replace(base, **changes)


def _version(v: str) -> tuple[int, int]:
    major, minor = v.split(".")[:2]
    return int(major), int(minor)


def check_targets(value, where: str) -> tuple[str, ...]:
    """``"3.9"``, ``"3.6, 3.9"`` (the command line) or ``["3.6", "3.9"]`` (TOML): the
    versions, deduplicated, oldest first."""
    if isinstance(value, str):
        items = [v for v in (x.strip() for x in value.split(",")) if v]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise ConfigError(f"{where}: `target-version` must be a version or a list of versions, got {value!r}")
    if not items:
        raise ConfigError(f"{where}: `target-version` is empty (supported: {', '.join(SUPPORTED_TARGETS)})")
    return tuple(sorted({check_target(v, where) for v in items}, key=_version))


def check_target(value: str, where: str) -> str:
    v = value.strip().lstrip("v")
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", v)
    if not m or f"{m.group(1)}.{m.group(2)}" not in SUPPORTED_TARGETS:
        raise ConfigError(f"{where}: unsupported target-version `{value}` (supported: {', '.join(SUPPORTED_TARGETS)})")
    return f"{m.group(1)}.{m.group(2)}"


def load_file(path: Path, base: Settings | None = None) -> Settings:
    base = base or Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read configuration: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("tritonlint", {})
    else:  # a dedicated tritonlint.toml / --config file: top level or [tool.tritonlint]
        table = data.get("tool", {}).get("tritonlint", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.tritonlint] must be a table")
    return from_table(table, base, str(path), path.parent)


class Resolver:
    """Finds the settings for each file: the nearest pyproject.toml with a
    ``[tool.tritonlint]`` table (cached per directory), then the CLI's overrides."""

    def __init__(self, overrides: dict, config_file: Path | None = None):
        self.overrides = overrides
        self.config_file = config_file
        self._by_dir: dict[Path, Settings] = {}
        self._by_path: dict[str, Settings] = {}
        self._configs: dict[Path, Settings] = {}
        self._found: dict[Path, Settings] = {}  # folder -> its nearest configuration
        self._by_folder: dict[str, Settings] = {}  # a file's folder as its path spells it
        self._fixed = self._apply(load_file(config_file)) if config_file else None

    def for_path(self, path: Path) -> Settings:
        if self._fixed is not None:
            return self._fixed
        # asked for every file more than once (discovery, the check, the baseline): the
        # answer for a path is found once (resolve() stats each of its folders)
        text = str(path)
        known = self._by_path.get(text)
        if known is not None:
            return known
        if text.endswith(".py") and not os.path.islink(text):
            # a file that is no link is in its folder: the folder's answer, found once
            # (resolving stats every component of the path: most of a warm run)
            folder = os.path.dirname(text) or "."
            found = self._by_folder.get(folder)
            if found is None:
                found = self._by_folder[folder] = self._in_directory(Path(folder).resolve())
        else:
            found = self._for_path(path)
        self._by_path[text] = found
        return found

    def _for_path(self, path: Path) -> Settings:
        try:
            directory = path.resolve().parent if path.is_file() or path.suffix == ".py" else path.resolve()
        except RuntimeError:  # a symlink loop (reported as unreadable): the settings of the directory holding it
            directory = path.absolute().parent.resolve()
        return self._in_directory(directory)

    def _in_directory(self, directory: Path) -> Settings:
        if directory not in self._by_dir:
            self._by_dir[directory] = self._apply(self._find(directory))
        return self._by_dir[directory]

    def _find(self, directory: Path) -> Settings:
        """The configuration of the nearest folder at or above ``directory`` with a
        ``[tool.tritonlint]`` pyproject.toml; each folder asked once (a tree's folders
        share their parents' answer)."""
        chain = []
        d: Path | None = directory
        found = None
        while d is not None:
            if d in self._found:
                found = self._found[d]
                break
            chain.append(d)
            found = self._own_configuration(d)
            if found is not None:
                break
            d = d.parent if d.parent != d else None
        if found is None:
            found = Settings(root=Path.cwd())
        for folder in chain:
            self._found[folder] = found
        return found

    def _own_configuration(self, d: Path) -> Settings | None:
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8", errors="replace")
            if "tritonlint" in text:
                if candidate not in self._configs:  # one configuration serves many folders: read it once
                    self._configs[candidate] = load_file(candidate)
                settings = self._configs[candidate]
                if settings.source != "defaults":
                    return settings
        return None

    def _apply(self, settings: Settings) -> Settings:
        if not self.overrides:
            return settings
        changes = {key: (*getattr(settings, key), *value) if key in EXTENDING else value
                   for key, value in self.overrides.items()}
        return replace(settings, **changes)
