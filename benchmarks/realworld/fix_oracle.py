"""The fix sweep, compiled: ``--fix --unsafe-fixes --strict`` on a copy of each pinned
release, then every kernel of every rewritten file is compiled before and after the
fix with the compiler oracle (tests/oracle.py, Triton's frontend on the CPU) and its
32-bit products feeding addresses are compared.

    python benchmarks/realworld/fix_oracle.py [names...] [--list]

Prints per project: files rewritten, kernels compiled in both forms ("pairs"),
kernels that compiled before but not after ("regressions"), 32-bit address
products before and after, products still 32-bit after the fix that a finding
with an applied fix covered ("still 32-bit"), 32-bit products of the fixed file
with no counterpart before ("new"), products found again only at another column
of their line ("moved": an edit earlier on the line shifted them; a comparison
by position would call them new), fix rollbacks, and files whose compilation
killed the worker. A product is matched by its line before the fix (a diff of the
two texts) and its source text (``a * b``); a fix that widens it changes its
text, so a product still 32-bit under a new text is matched by line to a covered
product that is gone. ``--list`` prints each regression, still-32-bit and new
site with its line before and after. Exit code 1 on any regression.

A file is not imported as a package module (that would run the project's
``__init__`` and its dependencies): its top-level statements are executed one by
one in a namespace that already holds ``triton``, ``tl``, ``libdevice``, ``math``
and ``torch``; imports from the project itself are resolved to the files of the
same copy, loaded the same way (so jit helpers and constants of sibling modules
are found); a statement that fails is skipped, a kernel whose decorators fail is
defined with its ``jit`` decorator alone. Only each kernel's default
specialisation is compiled. The corpus itself is never touched.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
import types
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests"))
import oracle
from fetch import DEFAULT_DEST, fetch, load_manifest
from fix_sweep import snapshot, tritonlint

#: modules a kernel file may import for real (the rest of the project is loaded from the copy)
REAL_IMPORTS = {"triton", "torch", "math", "functools", "typing", "os", "enum", "dataclasses", "itertools",
                "operator", "numpy", "collections", "warnings", "logging", "contextlib", "abc", "inspect"}
MEMORY_LIMIT = 6 * 2**30  # address space of one compiling worker
FIX_CODES = {"TL001", "TL002", "TL003", "TL004", "TL005", "TL006", "TL007"}


class Loader:
    """Loads the files of one copied tree without importing their packages."""

    def __init__(self, root: Path, tag: str):
        self.root, self.tag = root, tag
        self.modules: dict[Path, types.ModuleType] = {}
        self.counter = 0

    def _base(self) -> dict:
        import triton
        import triton.language as tl
        ns = {"triton": triton, "tl": tl, "math": math}
        try:
            import torch
            ns["torch"] = torch
        except ImportError:  # pragma: no cover
            pass
        try:
            from triton.language.extra import libdevice
            ns["libdevice"] = libdevice
        except ImportError:  # pragma: no cover
            pass
        return ns

    def _resolve(self, path: Path, node: ast.ImportFrom) -> Path | None:
        if node.level:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            parts = (node.module or "").split(".") if node.module else []
        else:
            base = self.root
            parts = (node.module or "").split(".")
        target = base.joinpath(*parts) if parts else base
        for cand in (target.with_suffix(".py"), target / "__init__.py"):
            if cand.is_file() and self.root in cand.parents:
                return cand
        return None

    def load(self, path: Path) -> types.ModuleType:
        path = path.resolve()
        if path in self.modules:
            return self.modules[path]
        self.counter += 1
        name = f"_fixoracle_{self.tag}_{self.counter}_{path.stem}"
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        mod.__dict__.update(self._base())
        self.modules[path] = mod  # before running it: import cycles see a partial module
        sys.modules[name] = mod
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except (SyntaxError, ValueError):
            return mod
        for stmt in tree.body:
            self._run(path, mod, stmt)
        oracle._MODULE_CACHE[oracle._file_key(path)] = mod
        return mod

    def _run(self, path: Path, mod: types.ModuleType, stmt: ast.stmt) -> None:
        g = mod.__dict__
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name.split(".")[0] in REAL_IMPORTS:
                    self._exec(path, g, ast.Import(names=[alias]))
            return
        if isinstance(stmt, ast.ImportFrom):
            if not stmt.level and (stmt.module or "").split(".")[0] in REAL_IMPORTS:
                self._exec(path, g, stmt)
                return
            src = self._resolve(path, stmt)
            if src is None:
                return
            other = self.load(src)
            for alias in stmt.names:
                if alias.name == "*":
                    g.update({k: v for k, v in vars(other).items() if not k.startswith("__")})
                elif alias.name in vars(other):
                    g[alias.asname or alias.name] = vars(other)[alias.name]
            return
        if self._exec(path, g, stmt):
            return
        if isinstance(stmt, ast.FunctionDef) and stmt.decorator_list:
            jit = [d for d in stmt.decorator_list if "jit" in ast.unparse(d)]
            if jit:
                plain = ast.FunctionDef(**{**{f: getattr(stmt, f) for f in stmt._fields}, "decorator_list": jit[-1:]})
                ast.copy_location(plain, stmt)
                self._exec(path, g, plain)

    @staticmethod
    def _exec(path: Path, g: dict, stmt: ast.stmt) -> bool:
        try:
            code = compile(ast.fix_missing_locations(ast.Module(body=[stmt], type_ignores=[])), str(path), "exec")
            exec(code, g)  # noqa: S102 - the benchmark compiles the corpus' kernels on purpose
            return True
        except Exception:  # noqa: BLE001 - any failing statement is skipped
            return False


def compile_sites(loader: Loader, path: Path) -> dict[str, list | None]:
    """Kernel name -> its 32-bit address products (Site list), or None if it does not compile."""
    loader.load(path)
    out: dict[str, list | None] = {}
    try:
        names = oracle.kernel_names(str(path))
    except Exception:  # noqa: BLE001
        return out
    for name in names:
        try:
            r = oracle.oracle_sites(str(path), [name], variants=False)[name]
            out[name] = None if r.not_compiled else list(r.offset_products)
        except Exception:  # noqa: BLE001 - any compile failure counts
            out[name] = None
    return out


def line_map(before: list[str], after: list[str]) -> dict[int, int]:
    """1-based after-line -> before-line, through equal runs and same-size replaced runs
    (a fix rewrites lines in place; a run it lengthened maps line by line from its start)."""
    out: dict[int, int] = {}
    sm = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag in ("equal", "replace"):
            for k in range(j2 - j1):
                out[j1 + k + 1] = i1 + min(k, i2 - i1 - 1) + 1 if i2 > i1 else None
    return {a: b for a, b in out.items() if b is not None}


def findings_with_fix(before_root: Path, names: list[str]) -> dict[str, list[tuple]]:
    """Relative file -> (start, end) positions ((line, column), 1-based lines) of the
    findings that carry a fix ``--fix --unsafe-fixes`` applies (not a suggestion)."""
    proc = tritonlint(["--exit-zero", "--no-cache", "--format", "json", *names], before_root)
    out: dict[str, list[tuple]] = defaultdict(list)
    for d in json.loads(proc.stdout or "[]"):
        if d.get("fix") and d["fix"]["applicability"] in ("safe", "unsafe") and d["code"] in FIX_CODES:
            rel = str(Path(d["filename"]).resolve().relative_to(before_root.resolve()))
            out[rel].append(((d["location"]["row"], d["location"]["column"] - 1),
                             (d["end_location"]["row"], d["end_location"]["column"] - 1)))
    return out


def _keyed(path: Path, sites: list) -> list[tuple]:
    """(site, the product's source text): the compiler locates ``a * b`` at ``b``."""
    index = oracle._SourceIndex(str(path))
    out = []
    for s in sites:
        _, node = index.span(s.line, s.col, oracle._is_mult)
        out.append((s, ast.unparse(node) if node is not None else f"?@{s.col}"))
    return out


def compare(rel: str, kernel: str, bpath: Path, apath: Path, bsites: list, asites: list,
            findings: list[tuple], stats: Counter, report: list[str]) -> None:
    """Matches the kernel's products before and after by (line before the fix, source text)."""
    btext = bpath.read_text(errors="replace").splitlines()
    atext = apath.read_text(errors="replace").splitlines()
    amap = line_map(btext, atext)
    before = _keyed(bpath, bsites)
    after = _keyed(apath, asites)
    pool: dict[tuple, list] = defaultdict(list)
    for s, t in before:
        pool[(s.line, t)].append(s)
    unmatched_after = []
    for s, t in after:
        key = (amap.get(s.line, -s.line), t)
        if pool[key]:
            b = pool[key].pop()
            if (b.line, b.col) != (s.line, s.col):
                stats["moved"] += 1  # the same product, shifted by an edit before it: new only by position
            flagged = any(lo <= (b.line, b.col) < hi for lo, hi in findings)
            if flagged:
                stats["still 32-bit"] += 1
                report.append(f"STILL {rel}:{key[0]} {kernel}: `{t}`\n    before: {btext[key[0] - 1].strip()}"
                              f"\n    after:  {atext[s.line - 1].strip()}")
        else:
            unmatched_after.append((s, t))
    gone_flagged_lines = {b.line for left in pool.values() for b in left
                          if any(lo <= (b.line, b.col) < hi for lo, hi in findings)}
    for s, t in unmatched_after:
        bline = amap.get(s.line)
        kind = "STILL" if bline in gone_flagged_lines else "NEW"
        stats["still 32-bit" if kind == "STILL" else "new"] += 1
        report.append(f"{kind} {rel}:{bline} {kernel}: `{t}` (after line {s.line})\n    before: "
                      f"{btext[bline - 1].strip() if bline else ''}\n    after:  {atext[s.line - 1].strip()}")


_WORKER: dict = {}


def _init_worker(b_root: Path, a_root: Path) -> None:
    # The compiler prints whole modules on stdout when it rejects one: keep them out
    # of the report (they go to stderr's neighbour, /dev/null).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    # A kernel compiled with every constexpr at 16 can unroll past any memory (one
    # sglang file took 20 GB): the worker gets MEMORY_LIMIT, and dies alone past it.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    _WORKER["loaders"] = Loader(b_root, "b"), Loader(a_root, "a")
    _WORKER["roots"] = b_root, a_root


def _compile_file(rel: str, findings: list[tuple]) -> tuple[Counter, list[str]]:
    """Compile the kernels of one rewritten file before and after the fix and compare."""
    print(f"compiling {rel}", file=sys.stderr, flush=True)
    (lb, la), (b_root, a_root) = _WORKER["loaders"], _WORKER["roots"]
    stats: Counter = Counter()
    report: list[str] = []
    bpath, apath = b_root / rel, a_root / rel
    sb, sa = compile_sites(lb, bpath), compile_sites(la, apath)
    for k, bsites in sb.items():
        asites = sa.get(k)
        if bsites is None:
            stats["not compiled before"] += 1
            continue
        if asites is None:
            stats["regressions"] += 1
            report.append(f"REGRESSION {rel}:{k}")
            continue
        stats["pairs"] += 1
        stats["before"] += len(bsites)
        stats["after"] += len(asites)
        compare(rel, k, bpath, apath, bsites, asites, findings, stats, report)
    # every IR text is cached by the oracle: a whole release's would not fit in memory
    oracle._COMPILE_CACHE.clear()
    oracle._SITES_CACHE.clear()
    return stats, report


def _compile_all(b_root: Path, a_root: Path, rels: list[str], findings: dict, chunk: int = 20):
    """Each chunk of files in a fresh worker process (a kernel file may crash the
    interpreter or exit it); a chunk whose worker dies is retried file by file, and a
    file that kills its worker again is counted, not compiled."""
    stats: Counter = Counter()
    report: list[str] = []

    def run(batch: list[str]) -> bool:
        with ProcessPoolExecutor(1, initializer=_init_worker, initargs=(b_root, a_root)) as pool:
            try:
                for st, rep in pool.map(_compile_file, batch, [findings.get(r, []) for r in batch]):
                    stats.update(st)
                    report.extend(rep)
            except BrokenProcessPool:
                return False
        return True

    for i in range(0, len(rels), chunk):
        batch = rels[i:i + chunk]
        kept = (Counter(stats), list(report))
        if run(batch):
            continue
        stats.clear()
        stats.update(kept[0])
        report[:] = kept[1]
        for rel in batch:
            if not run([rel]):
                stats["crashed"] += 1
                report.append(f"CRASH {rel}")
    return stats, report


def sweep(project: dict, dest: Path, listing: bool) -> dict:
    dirs = fetch(project, dest)
    stats = Counter()
    with tempfile.TemporaryDirectory(prefix="tritonlint-fixoracle-") as tmp:
        b_root, a_root = Path(tmp) / "before", Path(tmp) / "after"
        for d in dirs:
            shutil.copytree(d, b_root / d.name)
            shutil.copytree(d, a_root / d.name)
        names = [d.name for d in dirs]
        findings = findings_with_fix(b_root, names)
        before = snapshot(a_root)
        proc = tritonlint(["--fix", "--unsafe-fixes", "--exit-zero", "--no-cache", *names], a_root)
        stats["rollbacks"] = proc.stderr.count("rolled back")
        rels = [str(p.relative_to(a_root)) for p, data in sorted(snapshot(a_root).items()) if before.get(p) != data]
        stats["rewritten"] = len(rels)
        compiled, report = _compile_all(b_root, a_root, rels, findings)
        stats.update(compiled)
    if listing:
        for line in report:
            print(line, flush=True)
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    ap.add_argument("--list", action="store_true", help="print each still-32-bit and new site")
    args = ap.parse_args(argv)
    projects = [p for p in load_manifest() if not args.names or p["name"] in args.names]
    cols = ["rewritten", "pairs", "not compiled before", "regressions", "before", "after", "still 32-bit", "new",
            "moved", "rollbacks", "crashed"]
    print(f"{'project':<14}" + "".join(f"{c:>{max(len(c) + 2, 8)}}" for c in cols) + f"{'secs':>7}", flush=True)
    regressions = 0
    total = Counter()
    for project in projects:
        t0 = time.perf_counter()
        stats = sweep(project, args.dest, args.list)
        total += stats
        regressions += stats["regressions"]
        print(f"{project['name']:<14}" + "".join(f"{stats[c]:>{max(len(c) + 2, 8)}}" for c in cols)
              + f"{time.perf_counter() - t0:>7.0f}", flush=True)
    if len(projects) > 1:
        print(f"{'total':<14}" + "".join(f"{total[c]:>{max(len(c) + 2, 8)}}" for c in cols), flush=True)
    return 1 if regressions else 0


if __name__ == "__main__":
    raise SystemExit(main())
