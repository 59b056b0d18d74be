"""A loopback stand-in for the ClinicalTrials.gov API v2, serving recorded pages.

Tests (and offline demos) point `--base-url` / `TRIALSCOUT_API_URL` at it instead of the
live registry. Recordings are static JSON files in the API v2 response shape, listed in
an `index.json` that maps a query (its parameters without paging state) and a page
token to a file. Faults can be queued to check the client's retries: an HTTP status
(503, 429 with `Retry-After`, 400...), a dropped connection, a truncated JSON body, or
a slow answer. Every request is recorded with its arrival time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel

STUDIES_PATH = "/api/v2/studies"
# Paging and output parameters: not part of what a recording is keyed on.
_PAGING_PARAMS = frozenset({"pageToken", "countTotal", "format"})
ANY_TOKEN = "*"


class RecordedPage(BaseModel):
    token: str | None
    file: str


class RecordedQuery(BaseModel):
    name: str
    query: dict[str, str]
    pages: list[RecordedPage]


class ReplayIndex(BaseModel):
    recordings: list[RecordedQuery]


def page_token(name: str, page: int) -> str:
    """A deterministic, opaque-looking token like the registry's."""
    digest = hashlib.sha256(f"{name}:{page}".encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def build_recording(
    name: str,
    query: dict[str, str],
    studies: Sequence[dict[str, Any]],
    out_dir: Path,
) -> RecordedQuery:
    """Split `studies` into pages of `query['pageSize']` and write them as API v2 responses."""
    size = int(query.get("pageSize", "10"))
    chunks = [list(studies[i : i + size]) for i in range(0, len(studies), size)] or [[]]
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    pages: list[RecordedPage] = []
    for n, chunk in enumerate(chunks, start=1):
        body: dict[str, Any] = {"totalCount": len(studies), "studies": chunk}
        if n < len(chunks):
            body["nextPageToken"] = page_token(name, n + 1)
        rel = f"{name}/page{n}.json"
        (out_dir / rel).write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
        pages.append(RecordedPage(token=None if n == 1 else page_token(name, n), file=rel))
    return RecordedQuery(name=name, query=dict(query), pages=pages)


def write_index(out_dir: Path, recordings: Sequence[RecordedQuery]) -> Path:
    path = out_dir / "index.json"
    index = ReplayIndex(recordings=list(recordings))
    path.write_text(index.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


@dataclass
class Fault:
    """One queued misbehaviour, used for the next `times` matching requests.

    `page_token`: only requests carrying this token ("" = the first page, no token);
    `ANY_TOKEN` matches every request.
    """

    kind: Literal["status", "drop", "malformed", "delay"]
    status: int = 503
    retry_after: str | None = None
    body: str = ""
    delay_s: float = 0.0
    times: int = 1
    page_token: str = ANY_TOKEN


@dataclass(frozen=True)
class RecordedRequest:
    at: float  # time.monotonic() on arrival
    path: str
    params: dict[str, str]
    user_agent: str
    outcome: str  # "page", "fault:<kind>", "404", "400"...


@dataclass
class _State:
    recordings_dir: Path
    index: ReplayIndex
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `ReplayServer.requests` instead."""

    def _send(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _record(self, path: str, params: dict[str, str], outcome: str, at: float) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append(
                RecordedRequest(at, path, params, self.headers.get("User-Agent", ""), outcome)
            )

    def _take_fault(self, token: str) -> Fault | None:
        state = self.server.state
        with state.lock:
            for fault in state.faults:
                if fault.page_token in (ANY_TOKEN, token):
                    fault.times -= 1
                    if fault.times <= 0:
                        state.faults.remove(fault)
                    return fault
        return None

    def do_GET(self) -> None:
        at = time.monotonic()
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if split.path.rstrip("/") != STUDIES_PATH:
            self._record(split.path, params, "404", at)
            self._send(404, b'{"message": "not found"}')
            return
        token = params.get("pageToken", "")
        fault = self._take_fault(token)
        if fault is not None:
            self._record(split.path, params, f"fault:{fault.kind}", at)
            if self._apply(fault):
                return
        else:
            self._record(split.path, params, "page", at)
        self._serve_page(params, token)

    def _apply(self, fault: Fault) -> bool:
        """Carry out a fault; True when the request is fully answered (or dropped)."""
        if fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault.kind == "malformed":
            self._send(200, b'{"studies": [{"protocolSection": {"identificationModule": ')
            return True
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = fault.body or f"replay fault: HTTP {fault.status}"
            self._send(fault.status, body.encode(), content_type="text/plain", headers=headers)
            return True
        time.sleep(fault.delay_s)  # "delay": then answer normally
        return False

    def _serve_page(self, params: dict[str, str], token: str) -> None:
        state = self.server.state
        if params.get("format", "json") != "json":
            self._send(400, b"replay server only serves format=json", content_type="text/plain")
            return
        key = {k: v for k, v in params.items() if k not in _PAGING_PARAMS}
        recording = next((r for r in state.index.recordings if r.query == key), None)
        if recording is None:
            msg = {"message": f"no recording for query {json.dumps(key, sort_keys=True)}"}
            self._send(404, json.dumps(msg).encode())
            return
        page = next((p for p in recording.pages if (p.token or "") == token), None)
        if page is None:
            self._send(400, f"invalid pageToken: {token}".encode(), content_type="text/plain")
            return
        raw = (state.recordings_dir / page.file).read_bytes()
        if params.get("countTotal", "false").lower() != "true":
            body = json.loads(raw)
            body.pop("totalCount", None)
            raw = json.dumps(body, ensure_ascii=False).encode()
        self._send(200, raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ReplayServer:
    """Serve `recordings_dir/index.json` on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, recordings_dir: Path) -> None:
        index = ReplayIndex.model_validate_json(
            (recordings_dir / "index.json").read_text(encoding="utf-8")
        )
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(recordings_dir=recordings_dir, index=index)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/v2"

    @property
    def index(self) -> ReplayIndex:
        return self._server.state.index

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests to `/studies` and elsewhere, in arrival order (a copy)."""
        with self._server.state.lock:
            return list(self._server.state.requests)

    def recording(self, name: str) -> RecordedQuery:
        for rec in self.index.recordings:
            if rec.name == name:
                return rec
        raise KeyError(f"no recording named {name!r}")

    def inject(self, fault: Fault) -> None:
        with self._server.state.lock:
            self._server.state.faults.append(fault)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown between tests
            name="api-v2-replay",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m trialscout.registry.replay RECORDINGS_DIR`: serve until Ctrl-C (offline demos)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("recordings", type=Path, help="folder holding index.json")
    args = parser.parse_args(argv)
    with ReplayServer(args.recordings) as server:
        print(f"serving on {server.base_url}  (export TRIALSCOUT_API_URL={server.base_url})")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
