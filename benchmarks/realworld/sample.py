"""Draw a random sample of findings from a ``run.py --dump`` file, for labelling.

    python benchmarks/realworld/run.py --dump /tmp/findings.json
    python benchmarks/realworld/sample.py /tmp/findings.json vllm 40 --seed 7 > /tmp/to_label.tsv

Prints one line per sampled finding in the column order of ``labels.tsv``
(project, version, file, line, code), with an empty verdict and reason to fill
in, then the message after a ``#`` so the labeller sees what was reported.
Findings already in ``labels.tsv`` are never drawn again: each sample is fresh.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import load_labels  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("project")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--labels", type=Path, default=HERE / "labels.tsv")
    args = ap.parse_args(argv)
    entry = json.loads(args.dump.read_text(encoding="utf-8"))[args.project]
    root = Path(entry["root"])
    version = root.name.rsplit("-", 1)[-1]
    labelled = load_labels(args.labels)
    pool = []
    for f in entry["findings"]:
        rel = Path(f["filename"]).resolve().relative_to(root.resolve()).as_posix()
        k = (args.project, rel, f["location"]["row"], f["code"])
        if k not in labelled:
            pool.append((k, f))
    pool.sort(key=lambda item: item[0])
    for (project, rel, line, code), f in random.Random(args.seed).sample(pool, min(args.n, len(pool))):
        msg = " ".join(f["message"].split())
        print(f"{project}\t{version}\t{rel}\t{line}\t{code}\t\t\t# {msg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
