"""The flags of `baocao eval` (stdlib only, so the CLI can add them without importing the suite).

`baocao/cli.py` adds them to its `eval` sub-command with `add_arguments(parser)`; `python -m baocao.eval.runner`
uses the same function.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from baocao.eval.dataset import DEFAULT_CORPUS_DIR


@dataclass
class Options:
    dataset: Path | None = None
    out: Path | None = None
    compare: tuple[Path, Path] | None = None
    baseline: bool = True
    tune_fusion: bool = False
    write_thresholds: bool = False
    check: bool = False
    limit: int | None = None
    corpus: Path = DEFAULT_CORPUS_DIR
    torch_threads: int | None = None
    corpora: list[str] | None = None  # None: every corpus whose documents are present
    realdocs: Path | None = None
    reindex: bool = False

    @classmethod
    def from_args(cls, args) -> "Options":
        """From `baocao eval` (dataset/out/compare) or `python -m baocao.eval.runner` (every flag)."""
        compare = getattr(args, "compare", None)
        return cls(
            dataset=getattr(args, "dataset", None), out=getattr(args, "out", None),
            compare=tuple(compare) if compare else None,
            baseline=not getattr(args, "no_baseline", False),
            tune_fusion=getattr(args, "tune_fusion", False),
            write_thresholds=getattr(args, "write_thresholds", False),
            check=getattr(args, "check", False), limit=getattr(args, "limit", None),
            corpus=Path(getattr(args, "corpus", None) or DEFAULT_CORPUS_DIR),
            torch_threads=getattr(args, "torch_threads", None),
            corpora=[c for c in (getattr(args, "corpora", None) or "").split(",") if c] or None,
            realdocs=getattr(args, "realdocs", None), reindex=getattr(args, "reindex", False),
        )


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every `eval` flag; `baocao/cli.py` can call this for its `eval` sub-command."""
    parser.add_argument("--dataset", type=Path, help="one JSONL file (default: every split of every corpus, apart)")
    parser.add_argument("--out", type=Path, help="folder for results.json and report.html")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"),
                        help="compare two runs (results.json files or their folders) and exit")
    parser.add_argument("--no-baseline", action="store_true", help="skip the textbook LangChain baseline")
    parser.add_argument("--tune-fusion", action="store_true",
                        help="grid-search BAOCAO_FUSION_WEIGHTS on the dev split, print the best, and exit")
    parser.add_argument("--write-thresholds", action="store_true",
                        help="write eval/thresholds.json from this run (measured minus a small margin)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the dev split is below eval/thresholds.json")
    parser.add_argument("--limit", type=int, help="only the first N items of each split (a quick look)")
    parser.add_argument("--corpus", type=Path, help="sample corpus folder for an empty index and the baseline")
    parser.add_argument("--corpora", help="comma-separated corpora to run (sample, realdocs; default: every one present)")
    parser.add_argument("--realdocs", type=Path,
                        help="folder of the real documents (default ../shared/realdocs, or $BAOCAO_EVAL_REALDOCS)")
    parser.add_argument("--reindex", action="store_true", help="rebuild the cached realdocs index")
    parser.add_argument("--torch-threads", type=int,
                        help="torch threads for this run (default: torch's own); 1 is far faster on a busy machine, "
                             "but then latency is not what a default deployment sees")
    return parser
