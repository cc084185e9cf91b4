"""The documentation covers the public API, and the README's links lead somewhere.

The site's own checks (broken links and anchors, missing references, pages left out of the
nav) run in ``make docs-build`` (mkdocs, strict); these hold what it cannot see: a public
name or an explorer method nobody listed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import segwidget

ROOT = Path(__file__).resolve().parent.parent
API = (ROOT / "docs" / "api.md").read_text()


def test_the_api_reference_lists_every_public_name() -> None:
    documented = re.findall(r"^::: segwidget\.(\w+)$", API, flags=re.MULTILINE)
    assert sorted(documented) == sorted(segwidget.__all__)


def test_the_api_reference_shows_the_explorer_mixins_public_members() -> None:
    # mkdocstrings renders a base class's members only when named in inherited_members: every
    # public member of the explorer's own mixins (slices, regions, comparison) is listed there,
    # unless the page's filters leave it out as the browser's state
    (listed,) = re.findall(r"inherited_members: \[(.*)\]", API)
    (filters,) = re.findall(r"filters: \[(.*)\]", API)
    hidden = [re.compile(f.strip().strip('"')[1:]) for f in filters.split('", ')]
    mixins = [
        cls
        for cls in segwidget.SegExplorer.__mro__[1:]
        if cls.__module__.startswith("segwidget.") and cls.__name__ != "GuardedWidget"
    ]  # GuardedWidget only overrides ipywidgets' set_state
    public = {
        name
        for cls in mixins
        for name in vars(cls)
        if not any(pattern.search(name) for pattern in hidden)
    }
    assert "tag" in public and "region" in public and "compare" in public
    assert sorted(n.strip() for n in listed.split(",")) == sorted(public)


def test_the_readme_links_lead_to_files() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert "docs/guide/the-view.md" in local  # the front page links into the guide
    missing = [t for t in local if not (ROOT / t).is_file()]
    assert missing == [], f"README.md links to missing files: {missing}"


def test_the_protocol_page_keeps_every_line_of_protocol_md() -> None:
    spec = importlib.util.spec_from_file_location("hook", ROOT / "docs" / "hooks" / "protocol.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    text = (ROOT / "PROTOCOL.md").read_text()
    page = hook.as_page(text).splitlines()
    kept = [line for line in page if line not in ("```", "```text")]
    assert [x for x in kept if x.strip()] == [x for x in text.splitlines() if x.strip()]
    fenced = False
    for line in page:  # headings stay outside the preformatted blocks: the page's contents
        fenced = not fenced if line.startswith("```") else fenced
        assert not (fenced and line.startswith("#"))
    assert sum(line.startswith("## ") for line in page) >= 5
