"""A local fake of Zalo's OA API and OAuth server, on 127.0.0.1, that records what it receives.

- `POST /v3.0/oa/message/cs` with header `access_token`: `{"error": 0, ...}` if the token is the current
  one, else `{"error": -216, "message": "Access token is invalid"}` (as Zalo answers an expired token).
- `POST /v4/oa/access_token` (form: refresh_token, app_id, grant_type=refresh_token; header secret_key):
  a new access token and a new refresh token; the old refresh token is spent (single use, as Zalo's).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeZalo:
    app_id: str
    app_secret: str
    access_token: str
    refresh_token: str
    messages: list[Received] = field(default_factory=list)
    refreshes: list[Received] = field(default_factory=list)
    rejected: list[Received] = field(default_factory=list)
    spent_refresh_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/v4/oa/access_token"

    def expire_access_token(self) -> None:
        with self.lock:
            self.access_token = "expired-" + uuid.uuid4().hex[:8]  # whatever the client holds is now stale

    def texts_to(self, user_id: str) -> list[str]:
        with self.lock:
            return [m.body["message"]["text"] for m in self.messages if m.body["recipient"]["user_id"] == user_id]

    def wait_for_messages(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)

    # --- the server ---------------------------------------------------------------------------
    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict]:
        with self.lock:
            if path == "/v3.0/oa/message/cs":
                body = json.loads(raw)
                received = Received(path, headers, body)
                if headers.get("access_token") != self.access_token:
                    self.rejected.append(received)
                    return 200, {"error": -216, "message": "Access token is invalid"}
                self.messages.append(received)
                return 200, {"error": 0, "message": "Success",
                             "data": {"message_id": uuid.uuid4().hex, "user_id": body["recipient"]["user_id"]}}
            if path == "/v4/oa/access_token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                self.refreshes.append(Received(path, headers, form))
                token = form.get("refresh_token", "")
                if headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
                    return 200, {"error": -14014, "error_name": "Invalid app", "error_description": "bad secret_key/app_id"}
                if form.get("grant_type") != "refresh_token" or token != self.refresh_token or token in self.spent_refresh_tokens:
                    return 200, {"error": -14020, "error_name": "Invalid refresh token",
                                 "error_description": "Refresh token is invalid or used"}
                self.spent_refresh_tokens.add(token)
                self.access_token = "access-" + uuid.uuid4().hex[:12]
                self.refresh_token = "refresh-" + uuid.uuid4().hex[:12]
                return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}
        return 404, {"error": 404, "message": "not found"}

    def start(self) -> "FakeZalo":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = fake.handle(self.path, headers, raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-zalo", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
