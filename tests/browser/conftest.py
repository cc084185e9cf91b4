"""Fixtures of the browser tests: Chromium through Playwright, Jupyter servers started here.

Every browser test is marked ``browser``. Without Chromium (Debian's ``/usr/bin/chromium``,
or ``SEGWIDGET_CHROMIUM``) they are skipped, and fail when ``CI`` is set. Screenshots of
each state and each page's browser console go to ``test-artifacts/browser/``; when a test
fails, a screenshot of the page, its console so far and the server logs are kept there too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from checks import DETAIL, HEATMAP, ROOT
from harness import ARTIFACTS, JupyterServer, NotebookDriver, write_notebook
from lab import ANY_VALUE, SETUP, WAIT, Lab, expect

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1700}

_pages: dict[str, Any] = {}  # name -> open page, for screenshots on failure
_console: dict[str, list[str]] = {}


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and report.when in ("setup", "call"):
        _save_failure(item.name)
    return report


def _save_failure(test_name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, page in list(_pages.items()):
        try:
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{test_name}-{name}.png"), full_page=False)
        except Exception as err:  # the page may be gone; the report matters more
            print(f"no failure screenshot of {name}: {err}")
        lines = _console.get(name, [])
        (ARTIFACTS / f"FAILED-{test_name}-{name}-console.log").write_text("\n".join(lines))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/browser/``, emptied once per session."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, or the one named by ``SEGWIDGET_CHROMIUM`` (then that one only)."""
    chosen = os.environ.get("SEGWIDGET_CHROMIUM")
    candidates = [chosen] if chosen else ["/usr/bin/chromium", shutil.which("chromium")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    where = chosen or "/usr/bin/chromium"
    _missing(f"Chromium not found at {where} (Debian: apt-get install chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (Python) is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _server(
    app: str, request: pytest.FixtureRequest, tmp_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[JupyterServer]:
    home = tmp_factory.mktemp(f"jupyter-{app}")
    server = JupyterServer(app, home / "root", home, home / f"jupyter-{app}.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if request.session.testsfailed:
            shutil.copy(server.log_path, artifacts / server.log_path.name)


@pytest.fixture(scope="session")
def lab_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    artifacts: Path,
    chromium_path: str,  # no server without a browser to drive it
) -> Iterator[JupyterServer]:
    """One JupyterLab server for the session (token-less, on a free port of 127.0.0.1)."""
    yield from _server("lab", request, tmp_path_factory, artifacts)


@pytest.fixture(scope="session")
def notebook_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    artifacts: Path,
    chromium_path: str,
) -> Iterator[JupyterServer]:
    """One Notebook 7 server (``jupyter notebook``), started only when a test needs it."""
    yield from _server("notebook", request, tmp_path_factory, artifacts)


class Pages:
    """Opens pages (one browser context each) and closes them."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser

    def open(self, name: str, bypass_csp: bool = False) -> Any:
        """A page; `bypass_csp` lets a test inject its own script (axe-core) into the report."""
        context = self.browser.new_context(
            viewport=VIEWPORT, color_scheme="light", bypass_csp=bypass_csp
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        log = _console.setdefault(name, [])
        page.on("console", lambda msg: log.append(f"[{msg.type}] {msg.text}"))
        page.on("pageerror", lambda err: log.append(f"[pageerror] {err}"))
        _pages[name] = page
        return page

    def close(self, name: str) -> None:
        """Close the page, keeping its browser console in test-artifacts/browser/."""
        page = _pages.pop(name, None)
        if page is not None:
            page.context.close()
            (ARTIFACTS / f"{name}-console.log").write_text("\n".join(_console.get(name, [])))

    def close_all(self) -> None:
        for name in list(_pages):
            self.close(name)


@pytest.fixture(scope="session")
def pages(browser: Any) -> Iterator[Pages]:
    """Pages for the modules' notebooks; a module closes its own, the rest close at the end."""
    opened = Pages(browser)
    yield opened
    opened.close_all()


@pytest.fixture(scope="session")
def lab(lab_server: JupyterServer, pages: Any) -> Iterator[Lab]:
    write_notebook(lab_server.root / "explorer.ipynb", [SETUP, "explorer"])
    page = pages.open("lab")
    nb = NotebookDriver(page, lab_server, "lab")
    nb.open("/lab/tree/explorer.ipynb")
    if not page.evaluate("() => window.jupyterapp.shell.leftCollapsed"):
        nb.command("application:toggle-left-area")  # room for the widget: close the file browser
    nb.run_all()
    root = nb.cell(1).locator(ROOT)
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(HEATMAP)).to_have_attribute("data-cell-size", ANY_VALUE, timeout=WAIT)
    info = nb.value(
        "t, p = busiest_off_diagonal(explorer.results)\n"
        "emit(n=explorer.results.n_images, classes=explorer.results.classes, cell=[t, p],\n"
        "     other=busiest_off_diagonal(explorer.results, exclude=((t, p),)),\n"
        "     diagonal=busiest_class(explorer.results))"
    )
    yield Lab(
        nb, page, root, info["n"], info["classes"], tuple(info["cell"]), tuple(info["other"]),
        info["diagonal"],
    )  # fmt: skip
    pages.close("lab")


@pytest.fixture
def fresh(lab: Lab) -> None:
    """The demo explorer with nothing selected, whatever an earlier test left behind."""
    lab.nb.run(
        "explorer.selected_image = None\nexplorer.selected_cell = None\nexplorer.loss_range = None"
    )
    lab.expect_selected(None)
    expect(lab.root.locator(DETAIL)).to_be_hidden(timeout=WAIT)
    expect(lab.gallery).to_have_attribute("data-count", str(lab.n_images), timeout=WAIT)
