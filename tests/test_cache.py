"""The cache: a warm run prints what a cold run prints, byte for byte, without
checking the unchanged files again or reading their host code; anything a file's
findings depend on (its text, its settings, another module's launches, the
linter's build) is in the key; a damaged or foreign cache is ignored."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_launches import HOST, KERNELS

from tritonlint import cache, cached_check, engine, launches
from tritonlint.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)  # conftest turns it off for the other tests
    monkeypatch.delenv(cache.DIR_VARIABLE, raising=False)


@pytest.fixture
def calls(monkeypatch):
    """How many files were checked and how many host files were read for launches."""
    counts = {"checked": 0, "host": 0}
    check_file, read_launches = engine.check_file, launches.read_launches

    def counting_check(*args, **kwargs):
        counts["checked"] += 1
        return check_file(*args, **kwargs)

    def counting_read(*args, **kwargs):
        counts["host"] += 1
        return read_launches(*args, **kwargs)

    monkeypatch.setattr(engine, "check_file", counting_check)
    monkeypatch.setattr(launches, "read_launches", counting_read)
    return counts


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "kernels.py").write_text(KERNELS)
    (tmp_path / "host.py").write_text(HOST)
    (tmp_path / "util.py").write_text("def helper(x):\n    return x + 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_warm_run_prints_the_cold_bytes_on_the_fixtures_without_checking_again(tmp_path, capsys, calls, fmt,
                                                                                monkeypatch):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", fixtures)
    monkeypatch.chdir(tmp_path)
    args = ("check", "fixtures", "--format", fmt, "--jobs", "1")
    fresh = run(capsys, *args, "--no-cache")
    assert not (tmp_path / ".tritonlint_cache").exists()
    checked_fresh = calls["checked"]
    cold = run(capsys, *args)
    assert calls["checked"] == 2 * checked_fresh > 0
    before = dict(calls)
    warm = run(capsys, *args)
    assert calls == before, "a warm run checked or read files again"
    assert fresh[0] == 1 and "TL002" in fresh[1]
    assert cold == fresh and warm == fresh


def test_the_cache_folder_looks_like_ruffs(tree, capsys):
    run(capsys, "check", ".")
    folder = tree / ".tritonlint_cache"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    [store] = list(folder.glob("*/*.json"))
    assert store.parent.name == cache.__version__
    data = json.loads(store.read_text())
    assert data["tool"] == "tritonlint" and set(data["results"]) == {str(tree / n) for n in
                                                                      ("kernels.py", "host.py", "util.py")}
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]  # written through a rename


def test_no_cache_flag_and_variable_write_nothing(tree, capsys, monkeypatch):
    run(capsys, "check", ".", "--no-cache")
    monkeypatch.setenv(cache.OFF_VARIABLE, "1")
    run(capsys, "check", ".")
    assert not (tree / ".tritonlint_cache").exists()


def test_cache_dir_flag_variable_and_setting(tree, capsys, monkeypatch):
    (tree / "pyproject.toml").write_text('[tool.tritonlint]\ncache-dir = "build/lint-cache"\n')
    run(capsys, "check", ".")
    assert list((tree / "build" / "lint-cache").glob("*/*.json"))
    monkeypatch.setenv(cache.DIR_VARIABLE, str(tree / "from-env"))
    run(capsys, "check", ".")
    assert list((tree / "from-env").glob("*/*.json"))
    run(capsys, "check", ".", "--cache-dir", str(tree / "from-flag"))  # the flag wins over the variable
    assert list((tree / "from-flag").glob("*/*.json"))
    assert not (tree / ".tritonlint_cache").exists()


def test_a_changed_launch_in_another_module_is_not_answered_from_the_cache(tree, capsys, calls):
    cold = run(capsys, "check", ".", "--strict", "--jobs", "1")
    # the host no longer widens the index it passes: the kernel's finding depends on it
    changed_host = HOST.replace("    index = index.to(torch.int64)\n", "")
    assert changed_host != HOST
    (tree / "host.py").write_text(changed_host)
    before = dict(calls)
    warm = run(capsys, "check", ".", "--strict", "--jobs", "1")
    fresh = run(capsys, "check", ".", "--strict", "--jobs", "1", "--no-cache")
    assert warm == fresh
    assert warm != cold, "the fixture must make the host's launch matter"
    # the warm run read the launches of the changed host file alone, and checked it and
    # the kernel file again (the --no-cache run checked all three)
    assert calls["checked"] - before["checked"] == 2 + 3 and calls["host"] - before["host"] == 1


def test_a_new_kernel_elsewhere_in_the_run_is_taken_into_account(tree, capsys):
    run(capsys, "check", ".", "--strict", "--jobs", "1")
    (tree / "more.py").write_text(KERNELS.replace("def gather_rows", "def gather_more"))
    assert run(capsys, "check", ".", "--strict", "--jobs", "1") == \
        run(capsys, "check", ".", "--strict", "--jobs", "1", "--no-cache")


@pytest.mark.parametrize("flags", [("--strict",), ("--select", "TL002"), ("--target-version", "3.0"),
                                   ("--config", "sizes.tokens = 4096"), ("--ignore", "TL002")])
def test_every_setting_that_changes_findings_is_in_the_key(tmp_path, capsys, monkeypatch, flags):
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    run(capsys, "check", "fixtures", "--jobs", "1")  # warm for the default settings
    assert run(capsys, "check", "fixtures", "--jobs", "1", *flags) == \
        run(capsys, "check", "fixtures", "--jobs", "1", "--no-cache", *flags)


def test_the_settings_digest_covers_every_field():
    from dataclasses import fields, replace

    from tritonlint.settings import Settings

    base = Settings()
    for f in fields(Settings):
        if f.name in cached_check.NOT_IN_KEY:
            continue
        value = getattr(base, f.name)
        kinds = {bool: lambda v: not v, str: lambda v: v + "x", tuple: lambda v: (*v, "x"),
                 type(Path()): lambda v: v / "x", type(None): lambda v: Path("x")}
        other = kinds[type(value)](value)  # a new kind of setting fails here: teach the test, and the digest
        assert cached_check.settings_digest(replace(base, **{f.name: other})) != cached_check.settings_digest(base), \
            f.name


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign", "version", "entry", "forged-path"])
def test_a_damaged_or_foreign_cache_is_ignored(tree, capsys, calls, damage):
    fresh = run(capsys, "check", ".", "--strict", "--jobs", "1", "--no-cache")
    run(capsys, "check", ".", "--strict", "--jobs", "1")
    [store] = list((tree / ".tritonlint_cache").glob("*/*.json"))
    text = store.read_text()
    data = json.loads(text)
    key = str(tree / "kernels.py")
    if damage == "truncated":
        store.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        store.write_bytes(b"\x80\x00not json")
    elif damage == "foreign":
        store.write_text(json.dumps({**data, "tool": "ruff"}))
    elif damage == "version":
        store.write_text(json.dumps({**data, "version": "0.0.0"}))
    elif damage == "entry":  # the text no longer matches its digest
        check, entry = data["results"][key]
        data["results"][key] = [check, entry.replace('"TL002"', '"TL001"')]
        store.write_text(json.dumps(data))
    else:  # a well-formed entry with a valid digest whose result names another file
        entry = json.loads(data["results"][key][1])
        entry["result"]["f"]["path"] = "elsewhere.py"
        text = json.dumps(entry)
        data["results"][key] = [cache.digest(text), text]
        store.write_text(json.dumps(data))
    before = calls["checked"]
    assert run(capsys, "check", ".", "--strict", "--jobs", "1") == fresh
    assert calls["checked"] > before
    assert run(capsys, "check", ".", "--strict", "--jobs", "1") == fresh  # and it was written anew


def test_fix_never_applies_what_the_cache_says(tree, capsys):
    """A forged entry says the kernel file is clean; --fix still finds and fixes it."""
    run(capsys, "check", ".", "--strict")
    [store] = list((tree / ".tritonlint_cache").glob("*/*.json"))
    data = json.loads(store.read_text())
    key = str(tree / "kernels.py")
    entry = json.loads(data["results"][key][1])
    entry["result"]["f"]["diagnostics"] = []
    text = json.dumps(entry)
    data["results"][key] = [cache.digest(text), text]
    store.write_text(json.dumps(data))
    assert "kernels.py" not in run(capsys, "check", ".", "--strict")[1]  # the plain check trusts its own entry
    before = (tree / "kernels.py").read_text()
    run(capsys, "check", ".", "--strict", "--fix")
    assert (tree / "kernels.py").read_text() != before


def test_an_edited_file_is_checked_again(tree, capsys):
    run(capsys, "check", ".", "--strict")
    (tree / "kernels.py").write_text(KERNELS.replace("row * stride_out", "row.to(tl.int64) * stride_out"))
    assert run(capsys, "check", ".", "--strict") == run(capsys, "check", ".", "--strict", "--no-cache")


def test_entries_of_deleted_files_are_dropped(tree, capsys):
    run(capsys, "check", ".")
    (tree / "util.py").unlink()
    run(capsys, "check", ".")
    [store] = list((tree / ".tritonlint_cache").glob("*/*.json"))
    assert str(tree / "util.py") not in json.loads(store.read_text())["results"]


def test_parallel_warm_run_matches(tmp_path, capsys, monkeypatch):
    from tritonlint import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_KERNEL_FILES", 8)
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    one = run(capsys, "check", "fixtures", "--jobs", "1", "--no-cache")
    assert run(capsys, "check", "fixtures", "--jobs", "2") == one
    assert run(capsys, "check", "fixtures", "--jobs", "2") == one


def test_codec_round_trips_and_refuses_what_it_did_not_write():
    from tritonlint.diagnostics import Applicability, Edit, Fix, Position

    fix = Fix(Applicability.SAFE, "widen", (Edit(Position(1, 2), Position(1, 3), "x"),))
    assert cache.decode(json.loads(json.dumps(cache.encode(fix)))) == fix
    launch = launches.Launch("k", "a.py", 3, None, (None,), {"n": launches.HostArg("n", "expr")}, frozenset({"m"}))
    assert cache.decode(json.loads(json.dumps(cache.encode(launch)))) == launch
    for bad in ({"@c": "Popen", "f": {}}, {"@c": "Position", "f": {"line": 1}}, {"@e": "Position", "v": 1},
                {"x": 1}):
        with pytest.raises(ValueError):
            cache.decode(bad)
    with pytest.raises(cache.Unencodable):
        cache.encode(object())


def test_a_subprocess_run_uses_the_project_root(tree):
    (tree / "pyproject.toml").write_text("[tool.tritonlint]\nstrict = true\n")
    (tree / "sub").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (cache.OFF_VARIABLE, cache.DIR_VARIABLE)}
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "tritonlint", "check", ".."], cwd=tree / "sub", env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 1, proc.stderr
    assert list((tree / ".tritonlint_cache").glob("*/*.json"))
    assert not (tree / "sub" / ".tritonlint_cache").exists()


def test_the_launch_index_from_the_cache_is_the_one_a_plain_run_reads(tree, tmp_path):
    """Cold (read and stored), then warm (from the entries): the same index as
    LaunchIndex.from_paths, on a tree with a cross-module launch and on the fixtures."""
    from tritonlint.discovery import iter_files
    from tritonlint.launch_facts import LaunchIndex
    from tritonlint.settings import Resolver

    shutil.copytree(ROOT / "fixtures", tree / "fixtures")
    resolver = Resolver({})
    files = list(iter_files([Path(".")], resolver))
    expected = LaunchIndex.from_paths(files)
    assert len(expected) > 0
    store = cache.Store(tmp_path / "c", tree)
    for _ in range(2):
        entries = [cached_check._File(f, "") for f in files]
        build, _names, _consumed = cached_check.launch_index(entries, store)
        index = build()
        assert index.by_kernel == expected.by_kernel
        assert index.definitions == expected.definitions and index.dtypes == expected.dtypes
        store.save()
        store = cache.Store(tmp_path / "c", tree)
        assert store.tables["host"]


def test_unchanged_timestamps_stand_for_the_digest_and_a_same_size_edit_is_still_seen(tree, capsys, monkeypatch):
    import time

    monkeypatch.setattr(cached_check, "STABLE_NS", -10**18)  # trust any recorded timestamps (files are new here)
    reads: list[str] = []
    bytes_of = cached_check._File.bytes

    def counting(self):
        reads.append(self.path.name)
        return bytes_of(self)

    monkeypatch.setattr(cached_check._File, "bytes", counting)
    run(capsys, "check", ".", "--strict", "--jobs", "1")
    reads.clear()
    run(capsys, "check", ".", "--strict", "--jobs", "1")
    assert "util.py" not in reads and "host.py" not in reads  # no finding: not even read
    # the same size, the old modification time: only the change time tells. The host
    # file has no finding of its own (never read again for its report), but the
    # kernel file's findings depend on the dtype it passes.
    host = tree / "host.py"
    before = host.stat()
    edited = HOST.replace("index.to(torch.int64)", "index.to(torch.int32)")
    assert len(edited) == len(HOST) and edited != HOST
    time.sleep(0.01)
    host.write_text(edited)
    os.utime(host, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert host.stat().st_size == before.st_size and host.stat().st_mtime_ns == before.st_mtime_ns
    fresh = run(capsys, "check", ".", "--strict", "--jobs", "1", "--no-cache")
    assert run(capsys, "check", ".", "--strict", "--jobs", "1") == fresh
    host.write_text(HOST)
    assert run(capsys, "check", ".", "--strict", "--jobs", "1", "--no-cache") != fresh, "the edit must matter"


def test_a_file_with_nothing_to_say_is_stored_as_a_marker_and_read_back_the_same(tree, capsys):
    """Most files of a tree hold no kernel: their result is stored as a marker that a
    warm run turns back into the same empty result, without decoding one; a file
    with findings keeps its whole result."""
    cold = run(capsys, "check", ".", "--format", "json")
    [store] = list((tree / ".tritonlint_cache").glob("*/*.json"))
    results = {k: json.loads(v[1]) for k, v in json.loads(store.read_text())["results"].items()}
    assert results[str(tree / "util.py")]["result"] == "nothing"
    assert results[str(tree / "kernels.py")]["result"] != "nothing"
    assert run(capsys, "check", ".", "--format", "json") == cold == run(capsys, "check", ".", "--format", "json",
                                                                        "--no-cache")
