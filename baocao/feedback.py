"""👍/👎 on answers, kept in the state store with the index generation, and exported as eval candidates.

`baocao feedback export --out FILE` writes one JSON line per feedback in the format of
`eval/datasets/*.jsonl` (see eval/datasets/README.md): the question as answered, a guessed `type`, and the
gold fields (`answer`, `answer_items`, `must_contain`, `evidence`, `as_of`) left empty for a maintainer;
`notes` says what the user reported and what baocao answered.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from baocao.state import StateStore

Rating = Literal["up", "down"]
REASONS = ("sai số liệu", "thiếu", "không trích dẫn đúng", "khác")
Reason = Literal["sai số liệu", "thiếu", "không trích dẫn đúng", "khác"]
NS, KEY = "feedback", "all"


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class FeedbackStore:
    def __init__(self, state: StateStore, max_entries: int = 100_000):
        self.state, self.max_entries = state, max_entries

    def add(self, *, question: str, answer: dict, rating: str, reason: str | None = None, comment: str | None = None,
            conversation_id: str | None = None, generation: str | None = None) -> dict:
        entry = {
            "id": secrets.token_hex(8), "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": rating, "reason": reason, "comment": comment, "question": question, "answer": answer,
            "conversation_id": conversation_id, "index_generation": generation,
        }
        self.state.append(NS, KEY, entry, max_len=self.max_entries)
        return entry

    def list(self, *, rating: str | None = None, reason: str | None = None, since: str | None = None,
             limit: int | None = None) -> list[dict]:
        """Newest first, filtered."""
        after = _parse_time(since) if since else None
        out = []
        for entry in reversed(self.state.items(NS, KEY)):
            if rating and entry.get("rating") != rating:
                continue
            if reason and entry.get("reason") != reason:
                continue
            if after and _parse_time(entry["at"]) < after:
                continue
            out.append(entry)
            if limit and len(out) >= limit:
                break
        return out


def guess_type(answer: dict) -> str:
    if answer.get("items"):
        return "list"
    if answer.get("grounded") is False:
        return "unanswerable"
    return "numeric" if any(ch.isdigit() for ch in answer.get("answer", "")) else "entity"


def eval_candidate(entry: dict) -> dict:
    """One line for eval/datasets: the question, the gold fields empty, what happened in `notes`."""
    answer = entry.get("answer") or {}
    said = " ".join(str(answer.get("answer", "")).split())[:500]
    cited = sorted({c.get("document", "") for c in answer.get("citations", []) if c.get("document")})
    notes = [f"feedback {entry['id']} ({entry['at']}): {entry['rating']}"
             + (f", {entry['reason']}" if entry.get("reason") else "")
             + (f": {entry['comment']}" if entry.get("comment") else ""),
             f"baocao answered (index generation {entry.get('index_generation') or '?'}): {said}",
             f"cited: {', '.join(cited) or 'nothing'}", "type guessed from the answer; fill the gold fields"]
    return {
        "id": f"fb-{entry['id']}", "question": answer.get("question") or entry["question"], "type": guess_type(answer),
        "answer": "", "answer_items": [], "must_contain": [], "evidence": [], "as_of": None, "conversation": [],
        "notes": "\n".join(notes),
    }


def export(store: FeedbackStore, out: Path, *, rating: str | None = None, since: str | None = None) -> int:
    """Oldest first; returns how many lines were written."""
    entries = list(reversed(store.list(rating=rating, since=since)))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for entry in entries:
            f.write(json.dumps(eval_candidate(entry), ensure_ascii=False) + "\n")
    return len(entries)


def cli(args, settings) -> int:
    """`baocao feedback export --out FILE [--rating down] [--since ISO]`"""
    import sys

    from baocao.state import open_state

    store = FeedbackStore(open_state(settings), settings.feedback_max)
    count = export(store, Path(args.out), rating=args.rating, since=args.since)
    print(f"wrote {count} eval candidates to {args.out}", file=sys.stderr)
    return 0


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="feedback_command", required=True)
    p = sub.add_parser("export", help="write feedback as eval-candidate JSONL (gold fields empty, for a maintainer)")
    p.add_argument("--out", required=True)
    p.add_argument("--rating", choices=["up", "down"], help="only this rating (default: all)")
    p.add_argument("--since", help="only feedback from this ISO date/time on")
    p.set_defaults(func=cli)
