"""MCP tools for agents: `search_reports(query, k)` and `ask(question)`, with the official `mcp` SDK.

Two transports, one definition: streamable HTTP at `/mcp` on the API server (`mount(app)`, stateless,
JSON responses; the chat token as bearer when the server sets one — the same rule as `/api/chat`), and
stdio for `baocao mcp` (`run_stdio(settings)`), which desktop agents start as a subprocess.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import Field

from baocao.api.chat import SearchResponse
from baocao.assistant.models import Answer

log = logging.getLogger("baocao.api.mcp")

INSTRUCTIONS = (
    "baocao answers questions about Vietnamese government reports, in Vietnamese, with citations. "
    "Use `ask` for an answer with citations ([n] markers, each with document, section, page, date and a "
    "verbatim quote); use `search_reports` for the raw passages. When `grounded` is false the reports "
    "do not say: do not invent an answer."
)


def build_server(get_assistant: Callable[[], object], *, max_chars: int = 2000):
    """The MCP server; `get_assistant()` is called per tool call (the API builds its assistant at start-up)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError  # its message reaches the agent; others are hidden

    from baocao import __version__
    from baocao.assistant.search import search_result

    server = MCPServer("baocao", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")

    def clean(text: str, field: str) -> str:
        text = unicodedata.normalize("NFC", text or "").strip()
        if not text:
            raise ToolError(f"{field}: không được để trống")
        if len(text) > max_chars:
            raise ToolError(f"{field}: dài quá {max_chars} ký tự")
        return text

    @server.tool(title="Tìm đoạn trong báo cáo")
    def search_reports(
        query: Annotated[str, Field(description="What to look for, in Vietnamese (diacritics optional).")],
        k: Annotated[int, Field(ge=1, le=50, description="How many passages.")] = 5,
    ) -> SearchResponse:
        """The passages of the indexed reports that best match `query`, best first, with document, title,
        section, page and as-of date: what the assistant reads before answering."""
        assistant = get_assistant()
        hits = assistant.retriever.search(clean(query, "query"), k=k)
        return SearchResponse(results=[search_result(h) for h in hits])

    @server.tool(title="Hỏi trợ lý báo cáo")
    def ask(
        question: Annotated[str, Field(description="The question, in Vietnamese.")],
        conversation_id: Annotated[str | None, Field(description="From a previous answer, for a follow-up question.")] = None,
    ) -> Answer:
        """A short, exact answer from the reports, every claim cited: `answer` (with [n] markers),
        `citations` (document, section, page, as_of, verbatim quote), `items` for list answers, and
        `grounded` (false when the reports do not contain the answer)."""
        assistant = get_assistant()
        return assistant.ask(clean(question, "question"), conversation_id=conversation_id)

    return server


def mount(app) -> None:
    """`/mcp` on the API: streamable HTTP behind the chat access rule; its session manager runs with the app."""
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.requests import Request
    from starlette.routing import Route

    from baocao.api.errors import ApiError, error_response
    from baocao.api.security import require_reader

    server = build_server(lambda: app.state.assistant, max_chars=app.state.settings.max_message_chars)
    # Host/Origin checks are the SDK's guard for servers on localhost without auth; here access is the
    # API's own rule (chat token, CORS), the same as /api/chat, whatever host name the server is reached by.
    mcp_app = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    endpoint = next(r for r in mcp_app.routes if getattr(r, "path", None) == "/mcp").endpoint

    class Guarded:  # an ASGI app (not a function), so Starlette passes it the raw request
        async def __call__(self, scope, receive, send):
            request = Request(scope, receive)
            try:
                require_reader(request)
            except ApiError as exc:
                await error_response(exc.status, exc.code, exc.message, exc.headers)(scope, receive, send)
                return
            await endpoint(scope, receive, send)

    app.router.routes.append(Route("/mcp", endpoint=Guarded(), include_in_schema=False))
    outer = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi_app):
        async with server.session_manager.run(), outer(asgi_app) as state:
            yield state

    app.router.lifespan_context = lifespan


def run_stdio(settings) -> int:
    """`baocao mcp`: the same tools over stdin/stdout. Nothing but the protocol may reach stdout."""
    from baocao.assistant.service import Assistant
    from baocao.progress import silence_library_noise

    silence_library_noise()
    logging.basicConfig(level=logging.WARNING)  # stderr
    assistant = Assistant.from_settings(settings)
    build_server(lambda: assistant, max_chars=settings.max_message_chars).run("stdio")
    return 0
