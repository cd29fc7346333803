"""A live site for the browser tests: the demo database served by uvicorn, and Debian's Chromium.

Used by test_browser.py and test_accessibility.py. The database holds the demo extract, a network
(Nornorna) and, as a user could create them, a network and a KPI whose names are hostile HTML.
Chromium is Debian's (/usr/bin/chromium, `.ci/run` installs it): Playwright drives it and never
downloads a browser of its own. A missing browser fails the tests rather than skipping them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from jamfor.model import Kpi
from jamfor.sources.files import import_file
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

# Shown as text wherever it appears, never run: a network name and a KPI title.
HOSTILE = """<script>alert("x")</script> "quotes" & 'apos'"""
HOSTILE_NETWORK = "hostile"
HOSTILE_KPI = "U99999"
NETWORK_MEMBERS = ["Ronneby", "Karlshamn", "Sölvesborg", "Olofström"]
TEN = "Ronneby,Karlskrona,Karlshamn,Sölvesborg,Olofström,Växjö,Kalmar,Lund,Malmö,Umeå"


def fill(store: Store, tmp: Path) -> None:
    """The demo data, two networks and a KPI with a hostile title and a value for every municipality."""
    store.migrate()
    load_reference(store)
    import_demo(store)
    store.create_network("Nornorna", NETWORK_MEMBERS)
    store.create_network(HOSTILE, ["Berg", "Åre", "Ronneby"], group_id=HOSTILE_NETWORK)
    store.upsert_kpis(
        [
            Kpi(
                HOSTILE_KPI,
                HOSTILE,
                description=HOSTILE,
                origin="own",
                polarity="higher",
                unit=HOSTILE,
                decimals=1,
            )
        ]
    )
    values = tmp / "hostile.csv"
    rows = [
        f"{HOSTILE_KPI},{area.id},{year},T,{(index % 97) + year - 2019}.5"
        for index, area in enumerate(a for a in store.municipalities() if a.type == "K")
        for year in (2019, 2020, 2021)
    ]
    values.write_text("kpi,municipality,period,gender,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(store, values, source="own")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(tmp: Path) -> Iterator[str]:
    """Build the database in `tmp`, serve the site on a free port; yields the origin."""
    path = tmp / "site.duckdb"
    with Store.open(str(path)) as store:
        fill(store, tmp)
    config = uvicorn.Config(create_app(str(path)), host="127.0.0.1", port=_free_port(), log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


def launch(playwright: Playwright) -> Browser:
    assert Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            # Autofill asks a Google service about pages with forms: a browser feature, not the page's.
            "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
        ],
    )


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A context with a desktop window; downloads allowed."""
    settings: dict[str, object] = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
    settings.update(options)
    return browser.new_context(**settings)  # type: ignore[arg-type]


def screenshot(page: Page, path: Path, max_height: int = 4000) -> None:
    """The page from the top, at most `max_height` pixels of it (the KPI page is 20,000 tall)."""
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), max_height)
    width = int(page.viewport_size["width"]) if page.viewport_size else 1280
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000, f"{path.name} looks blank"


class Watch:
    """Fails the test on what a page must never do: open a dialog, ask anyone but our server."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(getattr(dialog, "message", "?"))
        dialog.dismiss()  # type: ignore[attr-defined]

    def check(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"script errors: {self.errors}"
        assert self.requests, "the browser made no request"
        # data: URLs are inline (the CSP allows them for images); nothing else may leave the origin.
        others = [
            u for u in self.requests if not u.startswith(self.origin + "/") and not u.startswith("data:")
        ]
        assert others == [], f"requests to third parties: {others}"
