"""A real JupyterLab and Debian's chromium for the widget tests (Playwright, no browser download)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, env: dict[str, str]) -> Iterator[dict]:
    """JupyterLab serving ``root`` on 127.0.0.1 with a token, isolated settings, ``env`` added."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(root / ".runtime"), **env}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--allow-root", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(root / "lab.log", "wb"),
    )
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "token": token}
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def accept_kernel(page) -> None:
    """JupyterLab asks which kernel to start for a notebook it has not run yet."""
    from playwright.sync_api import TimeoutError

    page.wait_for_selector(".jp-Notebook .jp-Cell >> visible=true", timeout=60_000)  # restored tabs are hidden
    try:
        page.click(".jp-Dialog button.jp-mod-accept", timeout=10_000)
    except TimeoutError:
        pass
    news = page.locator(".jp-toast-button:text-is('No')")  # JupyterLab's offer of news, not ours
    if news.count():
        news.first.click()


def run_all(page, ready: str) -> None:
    """Run every cell, then wait for ``ready`` (a selector of the widget); screenshot on failure."""
    from playwright.sync_api import TimeoutError

    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    try:
        page.wait_for_selector(ready, timeout=90_000)
    except TimeoutError:
        page.screenshot(path=ARTIFACTS / "failure.png", full_page=True)
        raise


def open_and_run(browser, lab: dict, notebook: str, ready: str, viewport: dict):
    page = browser.new_page(viewport=viewport)
    page.goto(f"{lab['url']}/lab/tree/{notebook}?token={lab['token']}")
    accept_kernel(page)
    run_all(page, ready)
    return page
