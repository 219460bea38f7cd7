"""Fetch the real-world corpus: the pinned releases in manifest.toml.

    python benchmarks/realworld/fetch.py [--dest DIR] [names...]

Each release is downloaded with ``pip download --no-deps`` into
``<dest>/_downloads/<name>-<version>/`` and its ``.py`` files are unpacked into
``<dest>/<name>-<version>/``. Work already done is skipped, so running it again
is cheap. Prints the folders to lint, one project a line. Exits 2 on error.

Stdlib only, so it runs before anything is installed.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tritonlint itself depends on tomli there
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.toml"
DEFAULT_DEST = HERE / ".corpus"

# Kernel code is the same in every platform's wheel, but pip only picks a wheel
# whose tags match; ask for CPython 3.12 on any common x86_64 glibc (pip does not
# expand manylinux_2_N to older glibcs itself). py3-none-any wheels match too.
WHEEL_TAGS = ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
for _glibc in range(17, 40):
    WHEEL_TAGS += ["--platform", f"manylinux_2_{_glibc}_x86_64"]


class FetchError(Exception):
    pass


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    projects = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    for p in projects:
        # The unpacked folder is named by the version, so it must be pinned exactly.
        _, sep, version = p["requirement"].partition("==")
        if not sep or not version.strip():
            raise FetchError(f"{path}: {p['name']}: requirement {p['requirement']!r} is not pinned with ==")
        p["version"] = version.strip()
    return projects


def download(req: str, into: Path) -> Path:
    """The release's archive in ``into``: downloaded unless already there."""
    archives = sorted(into.glob("*.whl")) + sorted(into.glob("*.tar.gz"))
    if archives:
        return archives[0]
    into.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "--quiet", "--dest", str(into)]
    # Prefer a wheel (no build step); fall back to the sdist for projects without one.
    errors = []
    for extra in (WHEEL_TAGS, ["--no-binary=:all:"]):
        proc = subprocess.run([*base, *extra, req], capture_output=True, text=True)
        archives = sorted(into.glob("*.whl")) + sorted(into.glob("*.tar.gz"))
        if proc.returncode == 0 and archives:
            return archives[0]
        errors.append(proc.stderr.strip().splitlines()[-1:] or [f"pip exited {proc.returncode}"])
    raise FetchError(f"pip download {req} failed: wheel: {errors[0][0]} / sdist: {errors[1][0]}")


def _safe(name: str) -> PurePosixPath | None:
    """A member path that stays inside the destination, or None."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        return None
    return p


def unpack(archive: Path, out: Path) -> int:
    """Write the archive's .py files under ``out``; returns how many."""
    count = 0
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = _safe(info.filename)
                if rel is None or info.is_dir() or rel.suffix != ".py":
                    continue
                target = out.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                count += 1
    else:
        with tarfile.open(archive) as tf:
            for member in tf:
                rel = _safe(member.name)
                # Drop the sdist's top folder (name-version/) so lint folders match the wheel's.
                if rel is None or not member.isfile() or rel.suffix != ".py" or len(rel.parts) < 2:
                    continue
                target = out.joinpath(*rel.parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                with tf.extractfile(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                count += 1
    return count


def fetch(project: dict, dest: Path) -> list[Path]:
    """Download and unpack one project; returns its folders to lint."""
    label = f"{project['name']}-{project['version']}"
    out = dest / label
    if not out.is_dir():
        archive = download(project["requirement"], dest / "_downloads" / label)
        # Unpack beside the target and rename at the end, so an interrupted run
        # never leaves a half-filled folder that a later run would take as done.
        tmp = dest / f".{label}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            if unpack(archive, tmp) == 0:
                raise FetchError(f"{archive.name} holds no .py files")
        except (zipfile.BadZipFile, tarfile.TarError, OSError) as e:
            raise FetchError(f"cannot unpack {archive}: {e} (delete it to download again)") from e
        tmp.rename(out)
    dirs = [out / sub for sub in project["lint"]]
    missing = [str(d.relative_to(out)) for d in dirs if not d.is_dir()]
    if missing:
        raise FetchError(f"{out} has no {', '.join(missing)}: fix 'lint' in {MANIFEST.name}")
    return dirs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST, help=f"corpus folder (default {DEFAULT_DEST})")
    ap.add_argument("names", nargs="*", help="projects to fetch (default: all in the manifest)")
    args = ap.parse_args(argv)
    try:
        projects = load_manifest()
    except (OSError, KeyError, tomllib.TOMLDecodeError, FetchError) as e:
        print(f"error: cannot read {MANIFEST}: {e}", file=sys.stderr)
        return 2
    known = {p["name"]: p for p in projects}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        print(f"error: not in the manifest: {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
        return 2
    dest = args.dest.resolve()
    failed = 0
    # One failure does not stop the others: report each and exit 2 at the end.
    for p in [known[n] for n in args.names] if args.names else projects:
        try:
            dirs = fetch(p, dest)
        except (FetchError, OSError) as e:
            print(f"error: {p['name']}: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{p['name']} {p['version']}: {' '.join(map(str, dirs))}", flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
