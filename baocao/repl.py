"""`baocao ask` without a question: an interactive prompt (prompt_toolkit), or line by line when piped.

On a terminal: line editing, ↑/↓ through past questions (kept in `$BAOCAO_HOME/ask_history`), a
Vietnamese prompt and commands. Not a terminal (`baocao ask < questions.txt`): one question per line,
each answer printed in full, no prompt decoration, so the output can be read by a program or a log.
Follow-ups keep the conversation in both modes until `/new`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from baocao.assistant.compose import vn_date
from baocao.assistant.models import Answer, Citation

PROMPT = "Hỏi › "
WELCOME = "baocao — hỏi đáp trên các báo cáo. Gõ câu hỏi rồi Enter; /help để xem lệnh, Ctrl-D để thoát."
HELP = """Lệnh:
  /new       bắt đầu cuộc trò chuyện mới (quên các câu hỏi trước)
  /sources   xem đầy đủ nguồn của câu trả lời vừa rồi (mục, trang, ngày, câu trích)
  /help      xem hướng dẫn này
  /quit      thoát (hoặc Ctrl-D)
↑ / ↓ gọi lại các câu đã hỏi; câu hỏi tiếp theo được hiểu theo ngữ cảnh cuộc trò chuyện."""
TOOLBAR = " /help trợ giúp · /new cuộc mới · /sources nguồn · ↑ câu trước · Ctrl-D thoát"


def where(c: Citation) -> str:
    return " · ".join(str(x) for x in (c.title or c.document, c.section, f"tr. {c.page}" if c.page else None,
                                       vn_date(c.as_of)) if x)


def short_answer(answer: Answer) -> str:
    """The answer and one line per source; the quotes are behind `/sources`."""
    lines = [answer.answer]
    if answer.items and not any(item in answer.answer for item in answer.items[:1]):
        lines += [f"  • {item}" for item in answer.items]
    if answer.citations:
        lines.append("Nguồn: " + "; ".join(f"[{c.marker}] {where(c)}" for c in answer.citations))
    if not answer.grounded and answer.related:
        lines.append("Có thể liên quan: " + "; ".join(where(c) for c in answer.related[:3]))
    return "\n".join(lines)


def full_sources(answer: Answer | None) -> str:
    if answer is None:
        return "Chưa có câu trả lời nào để xem nguồn."
    cited = answer.citations or answer.related
    if not cited:
        return "Câu trả lời vừa rồi không có nguồn trích dẫn."
    out = []
    for c in cited:
        out.append(f"[{c.marker}] {where(c)}\n    tệp: {c.document}\n    «{c.quote}»")
    return "\n".join(out)


@dataclass
class Session:
    """What the commands act on: the assistant, the conversation, the last answer."""

    assistant: object
    out: TextIO
    conversation_id: str | None = None
    last: Answer | None = None
    asked: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def handle(self, line: str) -> bool:
        """One line typed; False to stop."""
        line = line.strip()
        if not line:
            return True
        command = line.split()[0].lower()
        if command in ("/quit", "/exit", "/q"):
            return False
        if command == "/help":
            self.say(HELP)
        elif command == "/new":
            self.conversation_id, self.last = None, None
            self.say("Đã bắt đầu cuộc trò chuyện mới.")
        elif command == "/sources":
            self.say(full_sources(self.last))
        elif command.startswith("/"):
            self.say(f"Không có lệnh {command}. Gõ /help để xem các lệnh.")
        else:
            self.ask(line)
        return True

    def ask(self, question: str) -> None:
        answer = self.assistant.ask(question, conversation_id=self.conversation_id)
        self.conversation_id, self.last = answer.conversation_id, answer
        self.asked.append(question)
        self.say(short_answer(answer))


def history_path(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    return home / "ask_history"


def run_plain(session: Session, source: TextIO) -> int:
    for line in source:
        if not session.handle(line):
            break
    return 0


def run_interactive(session: Session, home: Path, *, input=None, output=None) -> int:
    """The prompt_toolkit loop; `input`/`output` let a test drive it through a pipe."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    prompt = PromptSession(history=FileHistory(str(history_path(home))), input=input, output=output,
                           bottom_toolbar=TOOLBAR, enable_history_search=False)
    session.say(WELCOME)
    while True:
        try:
            line = prompt.prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C clears the line, as in a shell
            continue
        except EOFError:
            session.say("Tạm biệt.")
            return 0
        if not session.handle(line):
            return 0


def run(assistant, home: Path, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    session = Session(assistant, stdout)
    if stdin.isatty() and stdout.isatty():
        return run_interactive(session, home)
    return run_plain(session, stdin)
