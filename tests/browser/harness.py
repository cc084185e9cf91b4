"""Browser-test harness: a Jupyter server started by the test, and a page driving one notebook.

``JupyterServer`` runs ``jupyter lab`` or ``jupyter notebook`` on 127.0.0.1 (free port, no
token, isolated settings) from this interpreter, with the repository on ``PYTHONPATH`` so
that its kernels import ``segwidget``. ``NotebookDriver`` opens a notebook in a Playwright
page, runs cells through the application's own commands (``window.jupyterapp``) and reads
their outputs; Python values come back as one marked JSON line printed by
``sw_e2e.emit``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
KERNEL_HELPERS = Path(__file__).with_name("sw_e2e.py")
MARK = "@@segwidget-e2e@@"

# User settings for the isolated server: no news/update pop-ups over the page, every cell in
# the DOM (no windowing, so that a widget scrolled out of view is not detached), light theme.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Light", "adaptive-theme": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells, for the python3 kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


class JupyterServer:
    """``jupyter lab`` (app="lab") or ``jupyter notebook`` (app="notebook") in its own process."""

    def __init__(self, app: str, root: Path, home: Path, log_path: Path) -> None:
        self.app, self.root, self.home, self.log_path = app, root, home, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        python_path = [str(REPO), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in python_path if p)
        # The python3 kernel spec runs `python`: make that this interpreter.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            env[name] = str(self.home / sub)
        env.pop("JUPYTER_TOKEN", None)
        env["PYTHONUNBUFFERED"] = "1"
        env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")  # a shared, small machine
        return env

    def write_settings(self) -> None:
        for plugin, values in SETTINGS.items():
            path = self.home / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def start(self, timeout: float = 120.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_settings()
        shutil.copy(KERNEL_HELPERS, self.root / KERNEL_HELPERS.name)
        module = "jupyterlab" if self.app == "lab" else "notebook"
        app_class = "LabApp" if self.app == "lab" else "JupyterNotebookApp"
        cmd = [
            sys.executable, "-m", module,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--{app_class}.expose_app_in_browser=True",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=self.environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter {self.app} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"jupyter {self.app} did not answer in {timeout:.0f}s:\n{self.log_tail()}"
        )

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def stop(self) -> None:
        """Shut the kernels down, then terminate the server (kill it if it lingers)."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                for kernel in self.api("GET", "/api/kernels"):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}")
            except (OSError, ValueError):
                pass  # the server is going anyway
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.proc = None
        if self._log is not None:
            self._log.close()

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"


# ---- the page ----------------------------------------------------------------------------------

_RUN_CELL = """
async ([code, timeoutMs]) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const nb = panel.content;
  const cells = nb.model.sharedModel;
  cells.insertCell(cells.cells.length, { cell_type: "code", source: code });
  const index = nb.widgets.length - 1;
  nb.activeCellIndex = index;
  const cell = nb.widgets[index];
  const run = app.commands.execute("notebook:run-cell");
  const late = () => new Error(`cell ${index} still running after ${timeoutMs} ms`);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(late()), timeoutMs));
  await Promise.race([run, timeout]);
  return { index, outputs: cell.model.outputs.toJSON() };
}
"""

_RUN_ALL = """
async (timeoutMs) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  const late = () => new Error(`cells still running after ${timeoutMs} ms`);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(late()), timeoutMs));
  await Promise.race([app.commands.execute("notebook:run-all-cells"), timeout]);
  return nb.widgets.map((c) => (c.model.type === "code" ? c.model.outputs.toJSON() : []));
}
"""

_KERNEL_READY = """
async () => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.sessionContext) return false;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return Boolean(kernel) && kernel.connectionStatus === "connected" &&
    ["idle", "busy"].includes(kernel.status);
}
"""


class CellError(AssertionError):
    """A notebook cell raised."""


def outputs_text(outputs: list[dict[str, Any]]) -> str:
    """All stream and text/plain output of a cell; raise ``CellError`` on an error output."""
    parts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "error":
            trace = "\n".join(out.get("traceback", []))
            raise CellError(f"{out.get('ename')}: {out.get('evalue')}\n{trace}")
        if kind == "stream":
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else text)
        elif kind in ("execute_result", "display_data"):
            text = out.get("data", {}).get("text/plain", "")
            parts.append("".join(text) if isinstance(text, list) else text)
    return "".join(parts)


def emitted(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The last ``sw_e2e.emit`` line of a cell's output."""
    lines = [ln for ln in outputs_text(outputs).splitlines() if ln.startswith(MARK)]
    if not lines:
        raise AssertionError(f"the cell printed no {MARK} line: {outputs!r}")
    return json.loads(lines[-1][len(MARK) :])


class NotebookDriver:
    """One open notebook in a Playwright page of a JupyterLab or Notebook 7 server."""

    def __init__(self, page: Any, server: JupyterServer, name: str) -> None:
        self.page, self.server, self.name = page, server, name

    def open(self, path: str, timeout: float = 90.0) -> None:
        self.page.goto(f"{self.server.url}{path}", wait_until="domcontentloaded")
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget &&"
            " window.jupyterapp.shell.currentWidget.content &&"
            " window.jupyterapp.shell.currentWidget.content.widgets",
            timeout=timeout * 1000,
        )
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(_KERNEL_READY):
            if time.monotonic() > deadline:
                raise AssertionError(f"the kernel of {path} did not start in {timeout:.0f}s")
            self.page.wait_for_timeout(250)

    def run_all(self, timeout: float = 180.0) -> list[list[dict[str, Any]]]:
        outputs = self.page.evaluate(_RUN_ALL, timeout * 1000)
        for cell_outputs in outputs:
            outputs_text(cell_outputs)  # raises on an error output
        return outputs

    def run(self, code: str, timeout: float = 120.0) -> tuple[int, list[dict[str, Any]]]:
        """Append a code cell, run it, and return (its index, its outputs)."""
        result = self.page.evaluate(_RUN_CELL, [code, timeout * 1000])
        outputs_text(result["outputs"])
        return result["index"], result["outputs"]

    def value(self, code: str, timeout: float = 120.0) -> dict[str, Any]:
        """Run a cell that calls ``emit(...)`` and return what it emitted."""
        return emitted(self.run(code, timeout)[1])

    def wait_value(
        self, code: str, key: str, expected: Any = None, until: Any = None, timeout: float = 20.0
    ) -> Any:
        """Run ``code`` (which emits ``key``) until ``key`` equals ``expected`` (or satisfies
        ``until``); return the last value.

        The widget manager holds back rapid browser-side trait changes while the kernel is
        busy with the previous one, so a value set in the browser reaches Python a moment
        later, possibly after a cell that was queued meanwhile.
        """
        done = until if until is not None else (lambda v: v == expected)
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(code).get(key)
            if done(value) or time.monotonic() > deadline:
                return value
            self.page.wait_for_timeout(200)

    def cell(self, index: int) -> Any:
        """Locator of the notebook's cell ``index``."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def command(self, name: str, args: dict[str, Any] | None = None) -> Any:
        return self.page.evaluate(
            "([name, args]) => window.jupyterapp.commands.execute(name, args)", [name, args or {}]
        )
