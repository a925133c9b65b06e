"""`baocao`: ingest, search, ask, serve, eval. Shapes follow CONTRACT.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models load from local paths; never reach for a hub at run time
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

if TYPE_CHECKING:  # settings (pydantic) load after parsing: `baocao --help` stays fast
    from baocao.settings import Settings


def _print_json(value) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _writer_index(settings: Settings):
    """The index, saying once on stderr when another writer holds it and this command waits."""
    from baocao.vectorstore.store import open_index

    index = open_index(settings)
    index.on_writer_wait = lambda: print("another ingest is running, waiting…", file=sys.stderr, flush=True)
    return index


def cmd_ingest(args, settings: Settings) -> int:
    from baocao.progress import make_reporter, reporting, silence_library_noise

    silence_library_noise()
    from baocao.ingest.loaders import iter_input_files
    from baocao.vectorstore.ingest_files import ingest_paths

    index = _writer_index(settings)
    if args.reset:
        index.reset()
    files = iter_input_files([Path(p) for p in args.paths])
    if not files:
        print("baocao ingest: no supported files (PDF, DOCX, DOC, RTF, ODT, XLSX, TXT, MD, images) in the given paths", file=sys.stderr)
        return 2
    with reporting(make_reporter(args.progress, total_files=len(files))):
        report = ingest_paths(index, files, settings)
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("ERROR") else sys.stdout)
    print(report.summary())
    return 0 if not report.failed else 1


def cmd_search(args, settings: Settings) -> int:
    from baocao.assistant.search import HybridSearch, search_result
    from baocao.vectorstore.store import open_index

    retriever = HybridSearch.from_index(open_index(settings), settings)
    hits = retriever.search(args.query, k=args.k)
    if args.json:
        _print_json({"results": [search_result(h) for h in hits]})
        return 0
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        where = " · ".join(str(x) for x in (c.title, c.section, f"tr. {c.page}" if c.page else None, c.as_of) if x)
        print(f"[{n}] {hit.score:.3f}  {c.document}\n    {where}\n    {c.text[:400]}")
        for note in c.footnotes:
            print(f"    ↳ {note[:300]}")
        print()
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from baocao.assistant.service import Assistant

    assistant = Assistant.from_settings(settings)
    questions = [args.question] if args.question else None
    if questions is None:
        from baocao.repl import run

        return run(assistant, settings.home)
    answer = assistant.ask(args.question)
    if args.json:
        _print_json(answer.model_dump(exclude_none=True))
    else:
        print(answer.render_text())
    return 0


def cmd_documents(args, settings: Settings) -> int:
    from baocao.vectorstore.store import open_index

    records = open_index(settings).list_documents()
    if args.json:
        _print_json({"documents": [asdict(r) for r in records]})
    else:
        for r in records:
            print(f"{r.doc_id}  {r.document}  ({r.chunks} đoạn; {r.title}; {r.report_date or '?'})")
    return 0


def cmd_delete(args, settings: Settings) -> int:
    index = _writer_index(settings)
    record = index.delete(args.document)
    if record is None:
        print(f"baocao delete: no document named {args.document!r} (see `baocao documents`)", file=sys.stderr)
        return 1
    kept = [n for n in record.names if n != record.document and args.document != record.doc_id]
    if kept:
        print(f"deleted the name {record.document}; the same content stays as {', '.join(kept)}")
    else:
        print(f"deleted {record.document} ({record.chunks} chunks)")
    return 0


def cmd_reindex(args, settings: Settings) -> int:
    from baocao.vectorstore.reindex import run_reindex

    return run_reindex(_writer_index(settings), progress=sys.stderr.isatty())


def cmd_tasks(args, settings: Settings) -> int:
    from baocao.vectorstore.store import open_index

    _print_json({"tasks": [asdict(t) for t in open_index(settings).tasks()]})
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    uvicorn.run("baocao.api.app:create_app", factory=True, host=args.host, port=args.port)
    return 0


def cmd_mcp(args, settings: Settings) -> int:
    from baocao.api.mcp import run_stdio

    return run_stdio(settings)


def cmd_eval(args, settings: Settings) -> int:
    from baocao.progress import silence_library_noise

    silence_library_noise()
    from baocao.eval.runner import main as eval_main

    return eval_main(args, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baocao", description="Vietnamese assistant over government reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files or folders (.pdf, .docx, .doc, .rtf, .odt, .xlsx, .txt, .md, scans and images)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--reset", action="store_true", help="empty the index first")
    from baocao.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="the ranked passages the assistant would read")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question (no question: interactive prompt; questions line by line when piped)")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("documents", help="list ingested documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("delete", help="remove a document (file name or id) from both indexes")
    p.add_argument("document")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("reindex", help="fill missing chunk vectors, sweep orphans, rebuild the BM25 side from the store")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("tasks", help="export the task records of plan documents as JSON")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("serve", help="the HTTP API and chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("mcp", help="the MCP tools search_reports and ask over stdio (for agents)")
    p.set_defaults(func=cmd_mcp)

    from baocao.feedback import add_arguments as add_feedback_arguments

    add_feedback_arguments(sub.add_parser("feedback", help="users' 👍/👎 on answers: export them as eval candidates"))

    from baocao.eval.options import add_arguments as add_eval_arguments

    p = sub.add_parser("eval", help="run the evaluation suite")
    add_eval_arguments(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from baocao.settings import get_settings

    settings = get_settings()
    try:
        return args.func(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, never a traceback, for anything we did not foresee
        from baocao.vectorstore.locks import WriterBusy
        from baocao.vectorstore.store import IndexConfigError

        if isinstance(exc, IndexConfigError | WriterBusy) or os.environ.get("BAOCAO_DEBUG") is None:
            print(f"baocao {args.command}: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
