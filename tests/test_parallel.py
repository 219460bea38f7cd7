"""--jobs: several processes give the same output, byte for byte, as one; the
command line starts without loading libcst, rich or the analysis."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_launches import HOST, KERNELS

from tritonlint import parallel
from tritonlint.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pool_runs(monkeypatch):
    """Counts the runs that went through the process pool (so a test cannot pass
    by silently staying in one process)."""
    runs = []
    in_pool = parallel._check_in_pool

    def counting(*args):
        runs.append(len(args[0]))
        return in_pool(*args)

    monkeypatch.setattr(parallel, "_check_in_pool", counting)
    return runs


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_parallel_run_prints_what_one_process_prints_on_the_fixtures(capsys, monkeypatch, pool_runs, fmt):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_KERNEL_FILES", 8)  # the fixtures: 35 kernel files
    one = run(capsys, "check", str(ROOT / "fixtures"), "--format", fmt, "--jobs", "1")
    two = run(capsys, "check", str(ROOT / "fixtures"), "--format", fmt, "--jobs", "2")
    assert pool_runs == [len(list((ROOT / "fixtures").rglob("*.py")))]
    assert one[0] == 1 and "TL002" in one[1]
    assert two == one


def test_a_launch_in_another_module_reaches_the_workers(tmp_path, capsys, monkeypatch, pool_runs):
    (tmp_path / "kernels.py").write_text(KERNELS)
    (tmp_path / "host.py").write_text(HOST)
    for i in range(5):
        (tmp_path / f"util{i}.py").write_text(f"def helper{i}(x):\n    return x + {i}\n")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_KERNEL_FILES", 1)  # one kernel file: a pool only because asked
    monkeypatch.chdir(tmp_path)
    alone = run(capsys, "check", "kernels.py", "--jobs", "1", "--strict")
    one = run(capsys, "check", ".", "--jobs", "1", "--strict")
    two = run(capsys, "check", ".", "--jobs", "2", "--strict")
    assert pool_runs == [7]
    assert two == one
    # the host module's launches changed the kernels' findings, in the workers too
    assert alone[1].split("Found")[0] != one[1].split("Found")[0]


def test_a_handful_of_kernel_files_stays_in_this_process(tmp_path, capsys, pool_runs):
    (tmp_path / "kernels.py").write_text(KERNELS)
    (tmp_path / "host.py").write_text(HOST)
    run(capsys, "check", str(tmp_path), "--jobs", "2")
    assert pool_runs == []


@pytest.mark.parametrize("value", ["0", "two"])
def test_jobs_must_be_a_positive_number(capsys, value):
    with pytest.raises(SystemExit) as e:
        main(["check", ".", "--jobs", value])
    assert e.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_the_command_line_loads_no_libcst_rich_or_analysis_for_version():
    probe = ("import sys, contextlib, io\n"
             "import tritonlint.cli\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
             "    try:\n"
             "        tritonlint.cli.main(['--version'])\n"
             "    except SystemExit:\n"
             "        pass\n"
             "assert out.getvalue().startswith('tritonlint '), out.getvalue()\n"
             "loaded = [m for m in ('libcst', 'rich', 'tritonlint.analysis', 'tritonlint.rules') if m in sys.modules]\n"
             "print(loaded)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_launches_read_on_several_processes_are_those_read_in_one(tmp_path):
    from tritonlint import cached_check
    from tritonlint.launches import launched_names

    names = {"scale_rows"}
    texts = [f"""from kernels import scale_rows


def run_{i}(x, n):
    assert n <= {64 * (i + 1)}
    scale_rows[(x.shape[0], n)](x, x.stride(0), n, BLOCK={2 ** (i % 6)})
""" for i in range(cached_check.MIN_PARALLEL_LAUNCH_FILES + 6)]

    class _Entry:
        def __init__(self, i):
            self.display = f"host_{i}.py"

    per_file = [(_Entry(i), [], None, []) for i in range(len(texts))]
    to_read = [(i, {}, text, launched_names(text, names)) for i, text in enumerate(texts)]
    one = cached_check._read_all(to_read, per_file, names, jobs=1)
    several = cached_check._read_all(to_read, per_file, names, jobs=2)
    assert several == one
    assert [ln.path for found in several for ln in found] == [f"host_{i}.py" for i in range(len(texts))]
