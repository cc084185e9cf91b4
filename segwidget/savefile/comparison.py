"""Save and load a ``Comparison``: a directory holding both results files and a small manifest.

``a.npz`` and ``b.npz`` are ordinary results files (``Results.save`` / ``segwidget.load``,
with all their checks); ``comparison.json`` holds the format and the two names. The member
file names are fixed, never read from the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..results.comparison import Comparison
from ..results.core import Results
from .persist import load, save_results

FORMAT = "segwidget-comparison"
VERSION = 1
MANIFEST = "comparison.json"
MEMBERS = ("a.npz", "b.npz")
MAX_MANIFEST_BYTES = 64 * 1024  # two names and a version: anything larger is not ours


def save_comparison(comparison: Comparison, path: Path) -> Path:
    """Write ``comparison`` into the directory ``path`` (created if needed)."""
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a directory; a comparison is a directory")
    path.mkdir(parents=True, exist_ok=True)
    # the manifest goes last, so a directory whose writing was cut short does not load
    (path / MANIFEST).unlink(missing_ok=True)
    for results, member in zip((comparison.a, comparison.b), MEMBERS, strict=True):
        save_results(results, path / member)
    manifest = {"format": FORMAT, "version": VERSION, "names": list(comparison.names)}
    (path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return path


def load_comparison(path: Path) -> Comparison:
    """Read a directory written by ``Comparison.save``, checking it as ``compare`` does."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise ValueError(
            f"{path} is a directory but not a saved segwidget comparison (no {MANIFEST})"
        )
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{manifest} is too large to be a segwidget comparison manifest")
    try:
        meta = json.loads(manifest.read_bytes().decode("utf-8"))
    except ValueError as err:  # invalid JSON or UTF-8
        raise ValueError(f"{manifest} is not valid JSON: {err}") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
        found = (meta.get("format"), meta.get("version")) if isinstance(meta, dict) else meta
        raise ValueError(f"{manifest}: expected {FORMAT} version {VERSION}, found {found!r}")
    members = []
    for member in MEMBERS:
        results = load(path / member)
        if not isinstance(results, Results):
            raise ValueError(f"{path / member} is not a results file")
        members.append(results)
    try:
        return Comparison(members[0], members[1], meta.get("names"))  # type: ignore[arg-type]
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
