"""The workshop's web server (Starlette, served by uvicorn): participants' phones, the projector,
the facilitator's page. It serves only the workshop's pages and answers; nothing here runs code or
reaches Jupyter, and every answer is written by :class:`~analysis.prospective.workshop.Workshop`.

Security for a room: a participant is a device token (an HttpOnly cookie set when the phone opens
the QR code's address or types the room code); the facilitator's page and the projector ask for
the facilitator's secret (printed by ``atelier live``); request bodies are limited in size, each
device in rate; every value is checked against the exercise's scale; answers go only to files
named by participant numbers the server gives. Errors are French JSON messages.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import json
import socket
import time
from pathlib import Path

import qrcode
import qrcode.image.svg
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import AtelierError
from ..prospective.workshop import Workshop

STATIC = Path(__file__).parent / "static"
BODY_LIMIT = 4096
TOKEN_COOKIE = "atelier_jeton"
#: Answers per device: a burst of 20, then 5 per second (a phone answers far slower).
RATE_BURST, RATE_PER_SECOND = 20, 5.0
#: The projector's updates are grouped: at most one every PUSH_INTERVAL seconds.
PUSH_INTERVAL = 0.25
SECURITY_HEADERS = {"content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'",
                    "x-frame-options": "DENY", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff",
                    "cache-control": "no-store"}


def local_address() -> str:
    """This computer's address on the local network (a UDP socket is pointed at a private address;
    nothing is sent), or the loopback address when there is no network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"erreur": message}, status_code=status)


class BodyLimit:
    """Refuse a request body over ``limit`` bytes (declared or streamed) before any handler reads it."""

    def __init__(self, app, limit: int = BODY_LIMIT):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        too_large = error(f"requête trop volumineuse ({self.limit} octets au plus)", 413)
        if not declared.isdigit() or int(declared) > self.limit:
            return await too_large(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
            await send(message)
        await self.app(scope, receive, with_headers)


class RateLimit:
    """A token bucket per key (a device token, or the address for pages without one)."""

    def __init__(self, burst: float = RATE_BURST, per_second: float = RATE_PER_SECOND):
        self.burst, self.per_second = burst, per_second
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return False
        self.buckets[key] = (tokens - 1, now)
        return True


class Room:
    """The workshop served: its state, the lock its writes take, the version its listeners follow."""

    def __init__(self, workshop: Workshop, join_url: str):
        self.workshop, self.join_url = workshop, join_url
        self.lock = asyncio.Lock()
        self.version = 0
        self.changed = asyncio.Event()
        self.answer_limit = RateLimit()
        self.join_limit = RateLimit(burst=60, per_second=1.0)
        self._summary: tuple[int, str] = (-1, "")

    async def change(self, action, *args):
        """Run a change of the workshop (file writes, in a thread), then wake the listeners."""
        async with self.lock:
            result = await run_in_threadpool(action, *args)
            self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()
        return result

    async def summary_json(self) -> str:
        version = self.version
        if self._summary[0] != version:
            self._summary = (version, json.dumps(await run_in_threadpool(self.workshop.summary), ensure_ascii=False))
        return self._summary[1]

    async def events(self, request: Request, make_event):
        """Server-sent events: one at once, then one after each change (grouped)."""
        seen = -1
        while not await request.is_disconnected():
            if seen != self.version:
                seen = self.version
                yield await make_event()
                await asyncio.sleep(PUSH_INTERVAL)
                continue
            waiting = self.changed
            try:
                await asyncio.wait_for(waiting.wait(), timeout=10)
            except asyncio.TimeoutError:
                yield {"comment": "toujours là"}


def create_app(folder: Path | str, join_url: str = "http://127.0.0.1:8765") -> Starlette:
    """The ASGI application for the exercise in ``folder``; ``join_url`` is the address phones use."""
    room = Room(Workshop(folder), join_url.rstrip("/"))
    workshop = room.workshop

    def facilitator(request: Request) -> bool:
        given = request.query_params.get("cle", "") or request.headers.get("x-atelier-cle", "")
        return hmac.compare_digest(given.encode(), workshop.facilitator_key.encode())

    def token_of(request: Request) -> str:
        return request.cookies.get(TOKEN_COOKIE, "")

    async def json_body(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise AtelierError("corps JSON attendu (content-type: application/json)")
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise AtelierError("corps JSON illisible") from None
        if not isinstance(body, dict):
            raise AtelierError("un objet JSON est attendu")
        return body

    def guarded(handler, needs_key: bool = False):
        async def endpoint(request: Request):
            if needs_key and not facilitator(request):
                return error("clé de l’animateur manquante ou fausse", 403)
            try:
                return await handler(request)
            except AtelierError as problem:
                return error(str(problem), 403 if "jeton inconnu" in str(problem) else 400)
        return endpoint

    async def home(request: Request):
        return FileResponse(STATIC / "join.html")

    async def join(request: Request):
        code = request.path_params.get("code") or request.query_params.get("code", "")
        if not hmac.compare_digest(code.strip().upper().encode(), workshop.room_code.encode()):
            return error("code de salle inconnu : vérifiez le code affiché au projecteur", 404)
        try:
            workshop.participant(token_of(request))
            return RedirectResponse("/participant", status_code=303)  # one participant per device
        except AtelierError:
            pass
        if not room.join_limit.allow(request.client.host if request.client else ""):
            return error("trop de connexions depuis cet appareil : patientez", 429)
        token, _participant = await room.change(workshop.join)
        response = RedirectResponse("/participant", status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", max_age=7 * 24 * 3600)
        return response

    async def participant_page(request: Request):
        return FileResponse(STATIC / "participant.html")

    async def participant_state(request: Request):
        return JSONResponse(await run_in_threadpool(workshop.participant_view, token_of(request)))

    async def answer(request: Request):
        token = token_of(request)
        workshop.participant(token)
        if not room.answer_limit.allow(token):
            return error("trop de réponses à la fois : patientez une seconde", 429)
        body = await json_body(request)
        fields = {name: body.get(name, "") for name in ("source", "target", "value", "reason")}
        if not all(isinstance(value, (str, int)) and not isinstance(value, bool) for value in fields.values()):
            raise AtelierError("champs attendus : source, target, value (une valeur de l’échelle du tour), reason (texte)")
        await room.change(workshop.answer, token, *(str(fields[name]) for name in ("source", "target", "value", "reason")))
        return JSONResponse({"ok": True})

    async def participant_events(request: Request):
        workshop.participant(token_of(request))

        async def make():  # the round's state only: the page asks for its own view
            current = workshop.current
            return {"event": "tour", "data": json.dumps({"round": current.name if current else None,
                                                         "closed": bool(current and current.closed)})}
        return EventSourceResponse(room.events(request, make))

    async def screen(request: Request):
        return FileResponse(STATIC / "screen.html")

    async def facilitator_page(request: Request):
        return FileResponse(STATIC / "facilitator.html")

    async def summary(request: Request):
        return Response(await room.summary_json(), media_type="application/json")

    async def summary_events(request: Request):
        async def make():
            return {"event": "resume", "data": await room.summary_json()}
        return EventSourceResponse(room.events(request, make))

    async def qr(request: Request):
        image = qrcode.make(f"{room.join_url}/r/{workshop.room_code}", image_factory=qrcode.image.svg.SvgPathImage)
        buffer = io.BytesIO()
        image.save(buffer)
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    async def join_info(request: Request):
        return JSONResponse({"url": room.join_url, "code": workshop.room_code, "qr": f"/qr.svg?cle={workshop.facilitator_key}"})

    async def open_round(request: Request):
        body = await json_body(request)
        name, kind = str(body.get("name", "")), str(body.get("kind", "influence"))
        cells = body.get("cells", "all")
        if cells == "all":
            cells = None
        elif cells == "disagreements":
            kind = workshop.last_closed().kind
            cells = workshop.disagreement_cells(int(body.get("n", 10)) if str(body.get("n", 10)).isdigit() else 10)
        elif isinstance(cells, list) and all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c)
                                             for c in cells):
            cells = [tuple(cell) for cell in cells]
        else:
            raise AtelierError("cases : « all », « disagreements » ou une liste de [source, cible]")
        await room.change(workshop.open_round, name, cells, kind)
        return JSONResponse({"ok": True, "round": name, "kind": kind})

    async def close_round(request: Request):
        await room.change(workshop.close_round)
        return JSONResponse({"ok": True})

    async def not_found(request: Request, _exc):
        return error("page inconnue", 404)

    async def server_error(request: Request, _exc):  # never a traceback for a participant
        return error("erreur inattendue du serveur ; les réponses déjà écrites sont gardées : l’animateur peut "
                     "relancer atelier live", 500)

    routes = [
        Route("/", home), Route("/r/{code}", join), Route("/rejoindre", join),
        Route("/participant", participant_page), Route("/api/participant", guarded(participant_state)),
        Route("/api/reponse", guarded(answer), methods=["POST"]),
        Route("/api/participant/evenements", guarded(participant_events)),
        Route("/projecteur", screen), Route("/animateur", facilitator_page),
        Route("/api/resume", guarded(summary, needs_key=True)),
        Route("/api/evenements", guarded(summary_events, needs_key=True)),
        Route("/api/salle", guarded(join_info, needs_key=True)),
        Route("/qr.svg", guarded(qr, needs_key=True)),
        Route("/api/tour/ouvrir", guarded(open_round, needs_key=True), methods=["POST"]),
        Route("/api/tour/fermer", guarded(close_round, needs_key=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found, Exception: server_error})
    app.state.room = room
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    return app
