"""Tags: named sets of images (``Results.tags``), changed from Python or from the browser.

A tag maps a free-text name to the positions of its images in the ``Results`` (sorted,
unique). ``parse_tags`` is the one gate for a whole tags dict coming from the browser:
whatever it is given, it returns clean tags or raises ``TagError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .summary import summarize

if TYPE_CHECKING:
    from .core import Results

MAX_NAME = 200  # characters; a tag is a label, not a document


class TagError(ValueError):
    """A tag name or member list that is not valid for these results."""


def tag_name(name: Any) -> str:
    """A valid tag name: a non-blank string of at most ``MAX_NAME`` characters."""
    if not isinstance(name, str) or not name.strip():
        raise TagError(f"a tag name is a non-blank string, got {name!r:.80}")
    if len(name) > MAX_NAME:
        raise TagError(f"tag name longer than {MAX_NAME} characters: {name[:40]!r}...")
    return name


def members(indices: Any, n_images: int, name: str) -> list[int]:
    """Image positions as a sorted list of unique ints in ``0..n_images-1``.

    Repeats are merged; booleans, floats and anything but a flat list of integers are
    refused (a browser may send anything).
    """
    if isinstance(indices, np.ndarray):
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise TagError(f"tag {name!r}: indices must be a 1-D integer array")
        values = [int(i) for i in indices]
    elif isinstance(indices, list | tuple | set | frozenset | range):
        if not all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in indices):
            raise TagError(f"tag {name!r}: image indices must be integers")
        values = [int(i) for i in indices]
    else:
        raise TagError(f"tag {name!r}: give a list of image indices, not {type(indices).__name__}")
    bad = [i for i in values if not 0 <= i < n_images]
    if bad:
        # summarize: an int over 4300 digits cannot be printed (repr raises ValueError)
        raise TagError(
            f"tag {name!r}: image indices {summarize(bad[:5])} outside 0..{n_images - 1}"
        )
    return sorted(set(values))


def tag(results: Results, name: Any, indices: Any) -> list[int]:
    """Add images ``indices`` (positions in ``results``) to tag ``name``, created when new.

    Returns
    -------
    list of int
        The tag's members, sorted.
    """
    name = tag_name(name)
    new = members(indices, results.n_images, name)
    results.tags[name] = sorted(set(results.tags.get(name, [])) | set(new))
    return results.tags[name]


def untag(results: Results, name: Any, indices: Any = None) -> list[int]:
    """Remove images ``indices`` from tag ``name``; ``None`` drops the whole tag.

    Returns
    -------
    list of int
        The members it has left (dropped: the members it had).
    """
    name = tag_name(name)
    if name not in results.tags:
        raise TagError(f"no tag {name!r}; tags are {sorted(results.tags)}")
    if indices is None:
        return results.tags.pop(name)
    gone = set(members(indices, results.n_images, name))
    results.tags[name] = [i for i in results.tags[name] if i not in gone]
    return results.tags[name]


def parse_tags(value: Any, n_images: int) -> dict[str, list[int]]:
    """A whole tags dict (``{name: [image positions]}``) checked, members sorted and unique.

    Raises
    ------
    TagError
        The only error raised, whatever ``value`` is.
    """
    if not isinstance(value, Mapping):
        raise TagError(f"tags are a dict of name -> image indices, not {type(value).__name__}")
    return {tag_name(name): members(indices, n_images, name) for name, indices in value.items()}
