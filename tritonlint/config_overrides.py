"""``--config``, as in ruff: either a configuration file, or a TOML ``KEY = VALUE``
pair that overrides one setting of every configuration file (``--config
"strict = true"``, ``--config "sizes.tokens = 4194304"``); and the values of
``--exclude`` / ``--per-file-ignores`` style flags. Overrides take precedence
over the configuration files and yield to the explicit flags."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .settings import ConfigError, Settings, from_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigAction(argparse.Action):
    """Sorts each ``--config`` value: a path goes to ``args.config`` (one at most),
    a ``KEY = VALUE`` pair to ``args.config_overrides``."""

    def __call__(self, parser, namespace, value, option_string=None):
        if _is_override(value):
            overrides = list(getattr(namespace, "config_overrides", None) or [])
            namespace.config_overrides = [*overrides, value]
            return
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"--config: give one configuration file (got {namespace.config} and {value}); "
                         "settings can be overridden with --config 'KEY = VALUE'")
        setattr(namespace, self.dest, Path(value))


def _is_override(value: str) -> bool:
    return "=" in value and not Path(value).is_file()


def overrides_from_config_values(values: list[str]) -> dict:
    """Settings overrides from ``KEY = VALUE`` pairs, validated as a configuration file's."""
    out: dict = {}
    for value in values:
        try:
            table = tomllib.loads(value)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"--config {value!r}: not a configuration file, nor a valid `KEY = VALUE` "
                              f"TOML pair: {e}") from e
        for key, field_value in _fields(table, f"--config {value!r}").items():
            # later pairs of one key win; the extending ones (selections, sizes) accumulate
            out[key] = (*out.get(key, ()), *field_value) if key in ("extra_selections", "sizes") else field_value
    return out


def _fields(table: dict, where: str) -> dict:
    from .selection import RuleSelection

    settings = from_table(table, Settings(), where, Path.cwd())  # validates keys and values
    out: dict = {}
    selection = {k: table[k] for k in ("select", "extend-select", "ignore") if k in table}
    if selection:
        out["extra_selections"] = (RuleSelection(settings.select if "select" in table else None,
                                                 settings.extend_select, settings.ignore, where),)
    for key in set(table) - set(selection):
        name = key.replace("-", "_")
        if name == "sizes":  # only the kinds given, on top of the configuration's
            given = {k.replace("-", "_") for k in table["sizes"]}
            out["sizes"] = tuple((k, v) for k, v in settings.sizes if k in given)
        elif name in ("exclude", "extend_exclude"):
            out[name] = tuple(anchor(p) for p in getattr(settings, name))
        elif name in ("per_file_ignores", "extend_per_file_ignores"):
            out[name] = tuple((anchor(p), codes) for p, codes in getattr(settings, name))
        else:
            out[name] = getattr(settings, name)
    return out


def anchor(pattern: str) -> str:
    """A pattern given on the command line is relative to the current directory. A
    bare name (`third_party`, `conftest.py`) matches at any depth, as in the
    configuration; a path (`tests/*`) is made absolute."""
    if "/" not in pattern.strip("/") or pattern.startswith("/"):
        return pattern
    return f"{Path.cwd().as_posix().rstrip('/')}/{pattern.removeprefix('./')}"


def patterns(values: list[str] | None) -> tuple[str, ...]:
    """``--exclude a,b --exclude c`` -> the anchored patterns."""
    return tuple(anchor(p) for v in values or () for p in _split(v))


def per_file_ignores(values: list[str] | None, flag: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``--per-file-ignores 'tests/*:TL002,TL004' --per-file-ignores 'k.py:TL001'``
    (ruff's PATTERN:CODES); a bare code continues the previous pattern's codes."""
    from .engine import rule_defaults
    from .settings import expand

    out: list[tuple[str, list[str]]] = []
    for value in values or ():
        for item in _split(value):
            pattern, sep, code = item.rpartition(":")
            if sep and pattern:
                out.append((anchor(pattern), [code.strip()]))
            elif out and not sep:
                out[-1][1].append(item)
            else:
                raise ConfigError(f"{flag}: expected PATTERN:CODES (e.g. 'tests/*:TL002'), got `{item}`")
    for _, codes in out:
        expand(codes, rule_defaults(), flag)
    return tuple((p, tuple(c)) for p, c in out)


def _split(value: str) -> list[str]:
    return [v for v in (x.strip() for x in value.split(",")) if v]
