"""The live workshop on loopback: answers per second sustained, and the delay to the projector.

    python benchmarks/live_bench.py [--participants 40] [--answers 25]

The server is the real one (uvicorn, the app of ``atelier live``) on a copy of the shipped
exercise. Every simulated participant answers ``--answers`` cells as fast as the server lets it
(each answer written atomically, with fsync, to two files). Baseline measured in the same run:
the same clients reading their own page (``GET /api/participant``) as fast as they can, which
costs the server no write. The projector's delay is measured by a client subscribed to the
server-sent events: the time from an answer sent to the first event that counts it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.live import server as live_server  # noqa: E402

EXERCISE = Path(__file__).resolve().parent.parent / "scenarios" / "avenir-politiques-locales-ess"


def serve(folder: Path, port: int):
    app = live_server.create_app(folder, f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, app.state.room.workshop


async def run(url: str, workshop, participants: int, answers: int) -> dict:
    key = {"cle": workshop.facilitator_key}
    cells = workshop.all_cells()[:answers]
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(participants)]
    for client in clients:
        await client.get(f"/r/{workshop.room_code}")
    await clients[0].post("/api/tour/ouvrir", params=key, json={"name": "bench", "cells": [list(c) for c in cells]})

    async def reads(client):
        for _ in range(answers):
            (await client.get("/api/participant")).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(reads(client) for client in clients))
    baseline = participants * answers / (time.perf_counter() - started)

    async def answer_all(n, client):
        for m, (source, target) in enumerate(cells):
            while True:
                response = await client.post("/api/reponse", json={"source": source, "target": target, "value": str((n + m) % 4)})
                if response.status_code != 429:  # the rate limit of a device: wait as a person would
                    response.raise_for_status()
                    break
                await asyncio.sleep(0.2)

    started = time.perf_counter()
    await asyncio.gather(*(answer_all(n, client) for n, client in enumerate(clients)))
    answers_per_second = participants * answers / (time.perf_counter() - started)

    delays = []
    async with httpx.AsyncClient(base_url=url, timeout=None) as projector:
        for m in range(5):
            async with projector.stream("GET", "/api/evenements", params=key) as events:
                lines = events.aiter_lines()
                async for line in lines:  # the first event: the state before the answer
                    if line.startswith("data:"):
                        before = json.loads(line[5:])["cells"][m]
                        break
                sent = time.perf_counter()
                (await clients[0].post("/api/reponse", json={"source": cells[m][0], "target": cells[m][1],
                                                             "value": str((m + 1) % 4)})).raise_for_status()
                async for line in lines:
                    if line.startswith("data:"):
                        delays.append(time.perf_counter() - sent)
                        break
            assert before["answers"] == participants
    for client in clients:
        await client.aclose()
    return {"baseline": baseline, "answers_per_second": answers_per_second, "delays": delays}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--answers", type=int, default=25)
    args = parser.parse_args()
    live_server.RATE_BURST = args.answers + 5  # the bench measures the server, not the per-device limit
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "exercice"
        shutil.copytree(EXERCISE, folder, ignore=shutil.ignore_patterns("ratings"))
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server, workshop = serve(folder, port)
        result = asyncio.run(run(f"http://127.0.0.1:{port}", workshop, args.participants, args.answers))
        server.should_exit = True
        written = len(list((folder / "ratings" / "bench").glob("*.csv")))
    print(f"{args.participants} participants × {args.answers} answers on loopback")
    print(f"baseline (reading one's page, no write): {result['baseline']:.0f} requests/s")
    print(f"answers (two files written atomically each): {result['answers_per_second']:.0f} answers/s "
          f"(ratio {result['answers_per_second'] / result['baseline']:.2f} of the baseline)")
    print(f"delay from an answer to the projector's event: median {statistics.median(result['delays']) * 1000:.0f} ms, "
          f"max {max(result['delays']) * 1000:.0f} ms ({len(result['delays'])} answers)")
    print(f"participant files written: {written}")


if __name__ == "__main__":
    main()
