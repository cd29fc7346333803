"""The pages in a real browser: Debian's Chromium, headless, against a live server on this machine.

Checks what only a browser shows: the pages render without JavaScript, every request the browser
makes goes to our own server, and the screenshots are not blank. CI installs Chromium
(`.ci/run`); a missing browser fails these tests rather than skipping them.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = [
    "/",
    "/kommun/1081?years=2015-2017",
    "/nyckeltal/N00938?year=2020",
    "/natverk/nornorna",
    "/jamfor?kpi=N00938&areas=Ronneby,Karlskrona,Lund",
    "/metod?lang=en",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("browser") / "browser.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
        store.create_network("Nornorna", ["Ronneby", "Karlshamn", "Sölvesborg", "Olofström"])
    port = _free_port()
    config = uvicorn.Config(create_app(str(path)), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        # Autofill asks a Google service about pages with forms: a browser feature, not the page's.
        "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_in_chromium_and_asks_only_our_server(server: str, path: str, tmp_path: Path) -> None:
    net_log = tmp_path / "net.json"
    shot = tmp_path / "page.png"
    result = _chromium(
        tmp_path,
        "--window-size=1280,1600",
        f"--log-net-log={net_log}",
        f"--screenshot={shot}",
        server + path,
    )
    assert shot.exists(), result.stderr[-2000:]
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a blank page compresses to a few KB
    # The net log is JSON, possibly cut short when the browser exits. Each request's start names
    # its initiator and network isolation key: the page's requests carry our server's origin;
    # requests of the browser's own (update checks and the like) carry none and are not the page's.
    started = re.findall(
        r'"initiator":"([^"]*)".*?"network_isolation_key":"([^"]*)".*?"url":"([^"]*)"',
        net_log.read_text(encoding="utf-8"),
    )
    host = server.split("//", 1)[1].split(":")[0]
    page_requests = [url for initiator, key, url in started if initiator.startswith(server) or host in key]
    ours = [u for u in page_requests if u.startswith(server)]
    others = [u for u in page_requests if not u.startswith(server)]
    assert ours, "the browser made no request to the server"
    assert others == [], f"requests to third parties: {others}"


def test_dom_holds_the_report_without_javascript(server: str, tmp_path: Path) -> None:
    # The pages carry no script at all, so what the browser built is all a reader without
    # JavaScript gets.
    dom = _chromium(tmp_path, "--dump-dom", server + "/kommun/1081?years=2015-2017").stdout
    assert "<script" not in dom
    assert "Ronneby – KKiK 2015–2017" in dom
    assert "18:e av 243" in dom  # Ronneby's place for caregivers in 2017, seed 002
    assert dom.count('class="jf-spark"') >= 10
