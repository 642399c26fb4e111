"""The live workshop: a real uvicorn server on loopback, 40 simulated participants answering at once,
hostile requests, Delphi rounds, a restart, and the phone and projector pages in Chromium."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pandas as pd
import pytest
import uvicorn

from analysis.live.server import create_app
from analysis.prospective.exercise import Exercise
from analysis.prospective.participation import aggregate_ratings
from analysis.prospective.workshop import Workshop
from conftest import REPO
from lab_server import ARTIFACTS, CHROMIUM, _free_port, chromium

EXERCISE = REPO / "scenarios" / "avenir-politiques-locales-ess"
CELLS = [["CP", "SCIC"], ["SCIC", "CP"], ["PTCE", "RES"], ["TEC", "CP"], ["POP", "BUD"]]


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "exercice"
    shutil.copytree(EXERCISE, copy, ignore=shutil.ignore_patterns("ratings"))
    return copy


@contextmanager
def serving(folder: Path):
    """The workshop's app served by uvicorn in a thread, on a free loopback port."""
    port = _free_port()
    app = create_app(folder, f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "workshop": app.state.room.workshop}
    finally:
        server.should_exit = True
        thread.join(10)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder.parent).as_posix(): p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()}


async def _participants(url: str, code: str, count: int) -> list[httpx.AsyncClient]:
    clients = [httpx.AsyncClient(base_url=url, timeout=30) for _ in range(count)]
    for client in clients:
        assert (await client.get(f"/r/{code}")).status_code == 303 and client.cookies.get("atelier_jeton")
    return clients


def _values(participant: int, round_number: int = 1) -> list[str]:
    """The answers of a simulated participant: spread on the first round, closer on the second."""
    return [str((participant + n) % 4) if round_number == 1 else str(1 + (participant + n) % 2) for n in range(len(CELLS))]


def test_forty_participants_answer_at_once_and_nothing_is_lost(folder):
    with serving(folder) as live:
        url, workshop = live["url"], live["workshop"]
        key = {"cle": workshop.facilitator_key}

        async def session():
            clients = await _participants(url, workshop.room_code, 40)
            async with httpx.AsyncClient(base_url=url) as facilitator:
                opened = await facilitator.post("/api/tour/ouvrir", params=key, json={"name": "tour-1", "cells": CELLS})
                assert opened.status_code == 200, opened.text

            async def answer(n, client):
                for cell, value in zip(CELLS, _values(n)):
                    response = await client.post("/api/reponse", json={"source": cell[0], "target": cell[1], "value": value,
                                                                       "reason": f"raison {n} « é »"})
                    assert response.status_code == 200, response.text
            await asyncio.gather(*(answer(n, client) for n, client in enumerate(clients)))
            summary = (await clients[0].get("/api/resume", params=key)).json()
            for client in clients:
                await client.aclose()
            return summary

        summary = asyncio.run(session())
    assert summary["respondents"] == 40 and [c["answers"] for c in summary["cells"]] == [40] * len(CELLS)
    assert "p01" not in str(summary), "the projector never says who answered"
    files = Exercise.open(folder).ratings("ratings/tour-1")
    assert len(files) == 40
    by_file = aggregate_ratings(files)  # what `atelier aggregate` computes from the same files
    pd.testing.assert_frame_equal(by_file, Workshop(folder).aggregate(Workshop(folder).current))
    for participant in files:
        answers = pd.read_csv(folder / "ratings" / "tour-1" / "answers" / f"{participant}.csv", dtype=str)
        assert len(answers) == len(CELLS) and set(answers["reason"].str.startswith("raison"))== {True}
    medians = by_file.set_index(["source", "target"])["median"]
    assert medians[("CP", "SCIC")] == pd.Series([int(v[0]) for v in (_values(n) for n in range(40))]).median()
    untouched = Exercise.open(folder).influence()
    assert files["p01"].loc["CP", "PTCE"] == untouched.loc["CP", "PTCE"], "cells not opened keep the exercise's value"


def test_hostile_requests_get_a_french_refusal_and_write_nothing(folder):
    with serving(folder) as live:
        url, workshop = live["url"], live["workshop"]
        key = {"cle": workshop.facilitator_key}
        with httpx.Client(base_url=url, follow_redirects=True) as phone, httpx.Client(base_url=url) as stranger, \
                httpx.Client(base_url=url, cookies={"atelier_jeton": "../../.live/state"}) as forger:
            assert phone.get(f"/r/{workshop.room_code}").status_code == 200  # redirected to the participant page
            assert phone.post("/api/tour/ouvrir", params=key, json={"name": "tour-1", "cells": CELLS}).status_code == 200
            before = _files(folder)
            refusals = [
                (stranger.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "1"}), 403, "jeton inconnu"),
                (forger.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "1"}), 403, "jeton inconnu"),
                (phone.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "7"}), 400, "hors de l’échelle"),
                (phone.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": True}), 400, "champs attendus"),
                (phone.post("/api/reponse", json={"source": "../../etc/passwd", "target": "CP", "value": "1"}), 400, "n’est pas ouverte"),
                (phone.post("/api/reponse", json={"source": "CP", "target": "FON", "value": "1"}), 400, "n’est pas ouverte"),
                (phone.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "1", "reason": "x" * 600}), 400, "trop longue"),
                (phone.post("/api/reponse", content=b"{" + b" " * 8000 + b"}", headers={"content-type": "application/json"}), 413, "trop volumineuse"),
                (phone.post("/api/reponse", content=b"source=CP", headers={"content-type": "application/x-www-form-urlencoded"}), 400, "JSON attendu"),
                (phone.post("/api/reponse", content=b"{not json", headers={"content-type": "application/json"}), 400, "illisible"),
                (phone.get("/api/resume"), 403, "clé de l’animateur"),
                (phone.get("/api/resume", params={"cle": workshop.facilitator_key[:-1] + "x"}), 403, "clé de l’animateur"),
                (phone.post("/api/tour/ouvrir", params=key, json={"name": "../../etc", "cells": "all"}), 400, "nom de tour invalide"),
                (phone.post("/api/tour/ouvrir", params=key, json={"name": "tour-2", "cells": [["CP", "../x"]]}), 400, "case inconnue"),
                (stranger.get("/r/ZZZZZ"), 404, "code de salle inconnu"),
                (stranger.get("/static/../../server.py"), 404, ""),
                (stranger.get("/.live/state.json"), 404, "page inconnue"),
            ]
            for response, status, message in refusals:
                assert response.status_code == status, (response.request.url, response.text)
                assert message in response.text
            assert _files(folder) == before, "a refused request writes nothing"
            # A device that answers far faster than a person is slowed down, and nothing is lost.
            statuses = [phone.post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "2"}).status_code
                        for _ in range(40)]
            assert 429 in statuses and statuses[0] == 200 and set(statuses) == {200, 429}
            response = phone.get("/api/participant")
            assert response.headers["x-frame-options"] == "DENY" and "default-src 'self'" in response.headers["content-security-policy"]
    assert not any(".." in name for name in _files(folder))


def test_delphi_rounds_show_the_group_then_converge_and_survive_a_restart(folder):
    with serving(folder) as live:
        url, workshop = live["url"], live["workshop"]
        key = {"cle": workshop.facilitator_key}

        async def round_trip(clients, name, cells, round_number):
            async with httpx.AsyncClient(base_url=url) as facilitator:
                response = await facilitator.post("/api/tour/ouvrir", params=key, json={"name": name, "cells": cells})
                assert response.status_code == 200, response.text
                opened = [(c["source"], c["target"]) for c in (await facilitator.get("/api/resume", params=key)).json()["cells"]]
                for n, client in enumerate(clients):
                    for (source, target), value in zip(opened, _values(n, round_number)):
                        assert (await client.post("/api/reponse", json={"source": source, "target": target,
                                                                        "value": value})).status_code == 200
                assert (await facilitator.post("/api/tour/fermer", params=key, json={})).status_code == 200
                return (await facilitator.get("/api/resume", params=key)).json()

        async def session():
            clients = await _participants(url, workshop.room_code, 8)
            await round_trip(clients, "tour-1", CELLS, 1)
            view = (await clients[0].get("/api/participant")).json()
            closed = await clients[0].post("/api/reponse", json={"source": "CP", "target": "SCIC", "value": "1"})
            second = await round_trip(clients, "tour-2", "disagreements", 2)
            for client in clients:
                await client.aclose()
            return view, closed, second

        view, closed, second = asyncio.run(session())
    assert all("group" in cell and cell["value"] for cell in view["cells"]), "a closed round shows the group beside one's answer"
    assert closed.status_code == 400 and "aucun tour ouvert" in closed.json()["erreur"]
    assert second["convergence"]["previous"] == "tour-1" and second["convergence"]["converged"] > 0
    assert 0 < len(second["cells"]) <= len(CELLS)
    restarted = Workshop(folder)  # the server stopped: its files hold everything
    assert [r.name for r in restarted.rounds] == ["tour-1", "tour-2"] and len(restarted.participants) == 8
    assert len(restarted.rounds[1].answers) == 8 and restarted.rounds[1].closed
    assert (folder / ".live" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium absent: `make test` installs it")
def test_a_phone_answers_and_the_projector_shows_it_within_a_second(folder):
    with serving(folder) as live, chromium() as browser:
        url, workshop = live["url"], live["workshop"]
        key = workshop.facilitator_key
        projector = browser.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/projecteur?cle={key}")
        projector.wait_for_function("() => document.getElementById('code').textContent.length === 5")
        assert projector.inner_text("#code") == workshop.room_code
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(f"{url}/r/{workshop.room_code}")
        phone.wait_for_function("() => document.getElementById('status').textContent.includes('Attendez')")
        facilitator = browser.new_page()
        facilitator.goto(f"{url}/animateur?cle={key}")
        facilitator.fill("input[name=name]", "tour-1")
        facilitator.click("#open button[type=submit]")
        phone.wait_for_selector("section.cell")  # the round appears on the phone by itself
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
        projector.wait_for_selector("tr[data-cell='CP>SCIC']")
        version = projector.evaluate("() => document.body.dataset.version")
        started = time.monotonic()
        phone.click("section[data-cell='CP>SCIC'] button[data-value='2']")
        projector.wait_for_function(
            "() => document.querySelector(\"tr[data-cell='CP>SCIC'] .answers\").textContent === '1'", timeout=5_000)
        delay = time.monotonic() - started
        assert delay < 1.0, f"the projector showed the answer after {delay:.2f} s"
        assert projector.evaluate("() => document.body.dataset.version") != version
        phone.wait_for_selector("section[data-cell='CP>SCIC'] button[data-value='2'][aria-pressed='true']")
        answers = pd.read_csv(folder / "ratings" / "tour-1" / "answers" / "p01.csv", dtype=str)
        assert answers[["source", "target", "value"]].values.tolist() == [["CP", "SCIC", "2"]]
        phone.screenshot(path=ARTIFACTS / "live-phone.png", full_page=False)
        projector.screenshot(path=ARTIFACTS / "live-projector.png")
        facilitator.click("#close")
        phone.wait_for_selector("section[data-cell='CP>SCIC'] .group")
        assert "médiane 2" in phone.inner_text("section[data-cell='CP>SCIC'] .group")
        phone.screenshot(path=ARTIFACTS / "live-phone-closed.png")


def test_atelier_live_prints_the_addresses_and_serves_the_room(folder):
    import subprocess
    import sys

    port = _free_port()
    command = [sys.executable, "-m", "analysis", "live", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        lines = [server.stdout.readline() for _ in range(5)]
        workshop = Workshop(folder)
        assert f"code de salle {workshop.room_code}" in lines[1] and f"cle={workshop.facilitator_key}" in lines[2]
        deadline = time.time() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/")
                break
            except httpx.ConnectError:
                assert time.time() < deadline, server.stderr.read()
                time.sleep(0.1)
        assert response.status_code == 200 and "Rejoindre l’atelier" in response.text
    finally:
        server.terminate()
        server.wait(10)
    bad = subprocess.run([*command[:-1], "70000"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "un port de 1 à 65535" in bad.stderr and "Traceback" not in bad.stderr


def test_an_unexpected_error_is_a_french_message_not_a_traceback(folder):
    with serving(folder) as live:
        workshop = live["workshop"]
        workshop.summary = lambda: 1 / 0  # a bug in the server's own code
        response = httpx.get(f"{live['url']}/api/resume", params={"cle": workshop.facilitator_key})
    assert response.status_code == 500 and "erreur inattendue du serveur" in response.json()["erreur"]
    assert "Traceback" not in response.text and "ZeroDivision" not in response.text


def test_every_kind_of_round_is_rated_on_its_own_scale_and_levers_fill_the_windtunnel(folder):
    """Cross-impacts, actors' positions, importance/uncertainty and levers per scenario are answered
    like influences; each is checked against its method's scale; a closed levers round becomes the
    exercise's wind-tunnelling matrix."""
    (folder / "windtunnel.csv").unlink()
    with serving(folder) as live:
        url, workshop = live["url"], live["workshop"]
        key = {"cle": workshop.facilitator_key}
        phones = [httpx.Client(base_url=url) for _ in range(3)]
        with httpx.Client(base_url=url) as facilitator:
            for phone in phones:
                assert phone.get(f"/r/{workshop.room_code}").status_code == 303

            def round_of(name, kind, cells, values, refused):
                opened = facilitator.post("/api/tour/ouvrir", params=key, json={"name": name, "kind": kind, "cells": cells})
                assert opened.status_code == 200, opened.text
                for phone, value in zip(phones, values):
                    for source, target in cells:
                        response = phone.post("/api/reponse", json={"source": source, "target": target, "value": value})
                        assert response.status_code == 200, response.text
                response = phones[0].post("/api/reponse", json={"source": cells[0][0], "target": cells[0][1], "value": refused})
                assert response.status_code == 400 and "hors de l’échelle" in response.json()["erreur"]
                summary = facilitator.get("/api/resume", params=key).json()
                assert facilitator.post("/api/tour/fermer", params=key, json={}).status_code == 200
                return summary

            impacts = round_of("impacts-1", "impacts", [["Climat politique : populiste", "Place de l’ESS : marginale"]],
                               ["3", "+2", "-3"], "-4")
            positions = round_of("positions-1", "positions", [["ETAT", "O4"], ["UE", "O4"]], ["-4", "-2", "+1"], "5")
            stakes = round_of("enjeux-1", "enjeux", [["POP", "importance"], ["POP", "incertitude"]], ["5", "4", "4"], "0")
            lever = "Garder un socle de coopération face à la polarisation"
            levers = round_of("leviers-1", "leviers", [[lever, "Transition coopérative"], [lever, "Repli et marginalisation"]],
                              ["2", "1", "1"], "3")
            unknown = facilitator.post("/api/tour/ouvrir", params=key, json={"name": "x-1", "kind": "../influence"})
            assert unknown.status_code == 400 and "type de tour inconnu" in unknown.json()["erreur"]
        for phone in phones:
            phone.close()
    assert impacts["cells"][0]["median"] == 2 and "favorise-t-il" in impacts["cells"][0]["text"]
    assert impacts["bounds"] == [-3, 3] and ["-3", "freine fort"] in impacts["scale"]
    assert positions["rows"] == ["ETAT", "UE"] and positions["columns"] == ["O4"]
    assert [c["median"] for c in positions["cells"]] == [-2, -2] and positions["bounds"] == [-4, 4]
    assert [c["median"] for c in stakes["cells"]] == [4, 4] and "Incertitude" in stakes["cells"][1]["text"]
    assert levers["rows"] == [lever] and levers["columns"] == ["Transition coopérative", "Repli et marginalisation"]
    answers = pd.read_csv(folder / "ratings" / "positions-1" / "answers" / "p01.csv", dtype=str)
    assert answers[["source", "target", "value"]].values.tolist() == [["ETAT", "O4", "-4"], ["UE", "O4", "-4"]]
    assert not (folder / "ratings" / "positions-1" / "p01.csv").exists(), "only influence rounds write a whole matrix"
    windtunnel = Exercise.open(folder).windtunnel()
    assert windtunnel.loc[lever, "Transition coopérative"] == 1 and windtunnel.loc[lever, "Repli et marginalisation"] == 1
    assert windtunnel.loc[lever].isna().sum() == 1, "the scenario not asked stays to be assessed"
    restarted = Workshop(folder)
    assert [r.kind for r in restarted.rounds] == ["impacts", "positions", "enjeux", "leviers"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium absent: `make test` installs it")
def test_the_group_fills_the_lever_by_scenario_matrix_live_on_the_projector(folder):
    with serving(folder) as live, chromium() as browser:
        url, workshop = live["url"], live["workshop"]
        key = workshop.facilitator_key
        assert httpx.post(f"{url}/api/tour/ouvrir", params={"cle": key},
                          json={"name": "soufflerie", "kind": "leviers", "cells": "all"}).status_code == 200
        projector = browser.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/projecteur?cle={key}")
        projector.wait_for_selector("table.matrix")
        assert projector.locator("table.matrix tbody tr").count() == 6
        assert projector.locator("table.matrix thead th").count() == 4  # a corner and three scenarios
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(f"{url}/r/{workshop.room_code}")
        phone.wait_for_selector("section.cell")
        assert phone.locator("section.cell").count() == 18 and "fonctionne-t-il" in phone.inner_text("section.cell h2 >> nth=0")
        assert phone.locator("section.cell >> nth=0").locator("button").all_inner_texts()[2].startswith("2")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
        first = phone.locator("section.cell >> nth=0").get_attribute("data-cell")
        phone.click(f"section[data-cell=\"{first}\"] button[data-value='2']")
        projector.wait_for_selector(f"table.matrix td[data-cell=\"{first}\"][data-level='4']", timeout=5_000)
        projector.screenshot(path=ARTIFACTS / "live-projector-windtunnel.png")
        phone.screenshot(path=ARTIFACTS / "live-phone-windtunnel.png")
