"""The MCP tools `search_reports` and `ask` through the official `mcp` SDK's own client: over streamable
HTTP at `/mcp` on a live `baocao serve` (the chat token as bearer), and over stdio from `baocao mcp`."""

from __future__ import annotations

import asyncio
import json

import httpx

from live_baocao import baocao_command, baocao_env, copy_home, live_baocao  # noqa: F401  (session fixture)

LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"


async def exercise(client) -> dict:
    """What an agent does: list the tools, search, ask."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    searched = await client.call_tool("search_reports", {"query": "tốc độ Internet di động", "k": 3})
    asked = await client.call_tool("ask", {"question": LIST_QUESTION})
    empty = await client.call_tool("ask", {"question": "   "})
    return {"tools": tools, "search": searched, "ask": asked, "empty": empty}


def check(result: dict) -> None:
    tools = result["tools"]
    assert set(tools) == {"search_reports", "ask"}
    assert set(tools["search_reports"].input_schema["properties"]) == {"query", "k"}
    assert "question" in tools["ask"].input_schema["required"]

    search = result["search"]
    assert not search.is_error
    hits = search.structured_content["results"]
    assert len(hits) == 3 and all(h["document"] and h["chunk_id"] for h in hits)
    assert any("Mbps" in h["text"] for h in hits)

    ask = result["ask"]
    assert not ask.is_error
    answer = ask.structured_content
    assert answer["grounded"] is True and len(answer["items"]) == 20 and "[1]" in answer["answer"]
    assert answer["citations"][0]["quote"]
    assert json.loads(ask.content[0].text)["answer"] == answer["answer"]  # the same Answer as text for any client

    assert result["empty"].is_error and "không được để trống" in result["empty"].content[0].text


def test_mcp_over_streamable_http_on_the_api_server(live_baocao):  # noqa: F811
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    refused = httpx.post(live_baocao.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                         headers={"Accept": "application/json, text/event-stream"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"

    async def run() -> dict:
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {live_baocao.token}"}) as http:
            async with Client(streamable_http_client(live_baocao.url + "/mcp", http_client=http)) as client:
                return await exercise(client)

    check(asyncio.run(run()))


def test_mcp_over_stdio_from_baocao_mcp(live_baocao, tmp_path):  # noqa: F811
    from mcp import Client, StdioServerParameters

    home = copy_home(live_baocao.home, tmp_path / "home")
    server = StdioServerParameters(command=baocao_command()[0], args=baocao_command("mcp")[1:], env=baocao_env(home))

    async def run() -> dict:
        async with Client(server, read_timeout_seconds=300) as client:
            return await exercise(client)

    check(asyncio.run(run()))
