"""`baocao`: ingest, search, ask, serve, eval. Shapes follow CONTRACT.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models load from local paths; never reach for a hub at run time
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from baocao.settings import Settings, get_settings  # noqa: E402


def _print_json(value) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_ingest(args, settings: Settings) -> int:
    from baocao.ingest.loaders import iter_input_files
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    index = open_index(settings)
    if args.reset:
        index.reset()
    files = iter_input_files([Path(p) for p in args.paths])
    if not files:
        print("baocao ingest: no .pdf, .docx, .txt or .md files found in the given paths", file=sys.stderr)
        return 2
    report = ingest_paths(index, files, settings, progress=sys.stderr.isatty())
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("ERROR") else sys.stdout)
    print(report.summary())
    return 0 if not report.failed else 1


def cmd_search(args, settings: Settings) -> int:
    from baocao.assistant.retriever import HybridRetriever, search_result
    from baocao.vectorstore.store import open_index

    retriever = HybridRetriever.from_index(open_index(settings), settings)
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
        return _interactive(assistant)
    answer = assistant.ask(args.question)
    if args.json:
        _print_json(answer.model_dump(exclude_none=True))
    else:
        print(answer.render_text())
    return 0


def _interactive(assistant) -> int:
    print("baocao — hỏi về các báo cáo (Ctrl-D để thoát)")
    conversation = None
    while True:
        try:
            question = input("\n? ").strip()
        except EOFError:
            print()
            return 0
        if question:
            answer = assistant.ask(question, conversation_id=conversation)
            conversation = answer.conversation_id
            print(answer.render_text())


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
    from baocao.vectorstore.store import open_index

    record = open_index(settings).delete(args.document)
    if record is None:
        print(f"baocao delete: no document named {args.document!r} (see `baocao documents`)", file=sys.stderr)
        return 1
    print(f"deleted {record.document} ({record.chunks} chunks)")
    return 0


def cmd_tasks(args, settings: Settings) -> int:
    from baocao.vectorstore.store import open_index

    _print_json({"tasks": [asdict(t) for t in open_index(settings).tasks()]})
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    uvicorn.run("baocao.api.app:create_app", factory=True, host=args.host, port=args.port)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from baocao.eval.runner import main as eval_main

    return eval_main(args, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baocao", description="Vietnamese assistant over government reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files or folders (.pdf, .docx, .txt, .md)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--reset", action="store_true", help="empty the index first")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="the ranked passages the assistant would read")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question (no question: interactive prompt)")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("documents", help="list ingested documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("delete", help="remove a document (file name or id) from both indexes")
    p.add_argument("document")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("tasks", help="export the task records of plan documents as JSON")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("serve", help="the HTTP API and chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    from baocao.feedback import add_arguments as add_feedback_arguments

    add_feedback_arguments(sub.add_parser("feedback", help="users' 👍/👎 on answers: export them as eval candidates"))

    from baocao.eval.options import add_arguments as add_eval_arguments

    p = sub.add_parser("eval", help="run the evaluation suite")
    add_eval_arguments(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    try:
        return args.func(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, never a traceback, for anything we did not foresee
        from baocao.vectorstore.store import IndexConfigError

        if isinstance(exc, IndexConfigError) or os.environ.get("BAOCAO_DEBUG") is None:
            print(f"baocao {args.command}: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
