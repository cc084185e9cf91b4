"""Read a ``.npz`` without trusting it: every member's header is checked before its data is read.

``numpy.load`` trusts what a file declares: a 1 MB archive can hold a member that inflates
to 1 GiB, a ``.npy`` header can declare 10¹³ elements, and random bytes are reported as
"pickled data" with a hint to unpickle them. This reader opens the archive itself, parses
each member's ``.npy`` header from the stream (``numpy.lib.format``), compares the declared
shape, dtype and size with what the caller expects and with the zip's own records, and
only then reads exactly the declared bytes. Object (pickled) members are never read.

Memory bound: a member is read only when its declared size is what the caller's
``Spec`` allows and at most ``MAX_DEFLATE_RATIO`` times its compressed size on disk,
so nothing here allocates more than the file could genuinely hold.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

import numpy as np
from numpy.lib import format as npy_format
from numpy.typing import NDArray

from ..results.metadata import MAX_TEXT_CHARS

# deflate emits at least 2 bits per 258-byte match, so no stream inflates beyond ~1032:1
MAX_DEFLATE_RATIO = 1032
_MAX_NPY_HEADER = 10_000  # numpy's own default for untrusted headers
_CHUNK = 1 << 20
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_UNSUPPORTED_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, compressed patch data, strong encryption
# what zipfile raises on a damaged member (NotImplementedError: features it lacks)
_ZIP_ERRORS = (EOFError, OSError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)
T = TypeVar("T")


class SaveFileError(ValueError):
    """A file ``segwidget.load`` refuses: not a segwidget file, damaged, or inconsistent.

    Attributes
    ----------
    path
        The file.
    problem
        What is wrong with it (the message without the path).
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class FileProblem(Exception):
    """A problem found while reading (no path yet); ``read_npz`` makes it a ``SaveFileError``."""


@dataclass(frozen=True)
class Spec:
    """What a member may be.

    Attributes
    ----------
    kinds
        Accepted dtype kinds (``"f"``, ``"iu"``, ``"biufU"`` ...).
    shape
        Expected shape; ``None`` on an axis accepts any length (bounded by ``max_items``).
    max_items
        Cap on the element count (``None``: the shape fixes it).
    itemsize
        Required item size in bytes, or ``None`` for any up to 8 (text: up to
        ``MAX_TEXT_CHARS`` characters).
    """

    kinds: str
    shape: tuple[int | None, ...]
    max_items: int | None = None
    itemsize: int | None = None


@dataclass(frozen=True)
class Header:
    """A member's ``.npy`` header: what it declares, before any data is read."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    offset: int  # bytes of magic and header before the data

    @property
    def items(self) -> int:
        return math.prod(self.shape)


def describe(name: str) -> str:
    """How messages name a member."""
    return f"member {name!r}"


class NpzReader:
    """An open ``.npz`` whose members are read one by one, each checked first.

    Use through ``read_npz``; problems raise ``FileProblem``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._size = path.stat().st_size
        self._zip = _open_zip(path)
        infos = self._zip.infolist()
        names = [_member_name(info.filename) for info in infos]
        if len(set(names)) != len(names):
            self._zip.close()
            twice = next(name for name, k in Counter(names).items() if k > 1)
            raise FileProblem(f"the archive holds two members named {twice!r}")
        self._infos = dict(zip(names, infos, strict=True))
        self._headers: dict[str, Header] = {}

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._zip.close()

    @property
    def names(self) -> frozenset[str]:
        """Member names (``.npy`` stripped)."""
        return frozenset(self._infos)

    def header(self, name: str) -> Header:
        """The member's ``.npy`` header (only the first bytes of the member are inflated)."""
        if name not in self._headers:
            info = self._entry(name)
            try:
                with self._zip.open(info) as stream:
                    self._headers[name] = _read_header(stream)
            except _ZIP_ERRORS as err:
                raise FileProblem(f"{describe(name)} is damaged ({err})") from err
            except ValueError as err:
                # numpy's own text may advise allow_pickle=True: give ours, chain theirs
                raise FileProblem(
                    f"{describe(name)} is not a readable array (damaged or oversized .npy header)"
                ) from err
            dtype = self._headers[name].dtype
            if dtype.hasobject:
                raise FileProblem(
                    f"{describe(name)} stores Python objects (dtype {dtype}); segwidget never "
                    "writes those, so it was not read"
                )
            if dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
                raise FileProblem(f"{describe(name)} has an unsupported dtype {dtype}")
            if any(size < 0 for size in self._headers[name].shape):
                raise FileProblem(f"{describe(name)} declares a negative shape")
        return self._headers[name]

    def stored_sizes(self, name: str) -> tuple[int, int]:
        """``(compressed, uncompressed)`` bytes the zip records for the member (nothing read)."""
        info = self._entry(name)
        return info.compress_size, info.file_size

    def read(self, name: str, spec: Spec) -> NDArray[Any]:
        """The member's array, after checking its header against ``spec`` and the zip's sizes."""
        header = self.header(name)
        _check_spec(name, header, spec)
        info = self._entry(name)
        self._check_sizes(name, info)
        nbytes = header.items * header.dtype.itemsize
        if info.file_size != header.offset + nbytes:
            raise FileProblem(
                f"{describe(name)} declares {header.shape} {header.dtype} ({nbytes} bytes of "
                f"data) but the archive records {info.file_size - header.offset} bytes"
            )
        flat = np.empty(header.items, dtype=header.dtype)
        try:
            with self._zip.open(info) as stream:
                stream.read(header.offset)
                _read_into(stream, flat.view(np.uint8))
        except _ZIP_ERRORS as err:
            raise FileProblem(f"{describe(name)} is damaged ({err})") from err
        except _Short as err:
            raise FileProblem(f"{describe(name)} is truncated: {err}") from None
        if not flat.dtype.isnative:  # read as declared, kept in the machine's byte order
            flat = flat.astype(flat.dtype.newbyteorder("="))
        if header.fortran_order:
            return np.ascontiguousarray(flat.reshape(header.shape[::-1]).T)
        return flat.reshape(header.shape)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        """The member's zip entry, in a form segwidget writes."""
        if name not in self._infos:
            raise FileProblem(f"{describe(name)} is missing")
        info = self._infos[name]
        if info.flag_bits & _UNSUPPORTED_FLAGS:
            raise FileProblem(
                f"{describe(name)} is encrypted or patched (zip flags {info.flag_bits:#06x})"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileProblem(
                f"{describe(name)} uses zip compression method {info.compress_type}; "
                "segwidget writes stored or deflated members only"
            )
        return info

    def _check_sizes(self, name: str, info: zipfile.ZipInfo) -> None:
        """What the zip declares must fit in the file, and inflate no more than deflate can."""
        if info.header_offset + info.compress_size > self._size:
            raise FileProblem(f"{describe(name)} extends past the end of the file (truncated?)")
        limit = info.compress_size * (
            1 if info.compress_type == zipfile.ZIP_STORED else MAX_DEFLATE_RATIO
        )
        if info.file_size > limit:
            raise FileProblem(
                f"{describe(name)} declares {info.file_size} bytes uncompressed from "
                f"{info.compress_size} compressed, more than compression can produce"
            )


def read_npz(path: Path, read: Callable[[NpzReader], T]) -> T:
    """``read(reader)`` on the file at ``path`` opened as an untrusted ``.npz``.

    Any ``FileProblem`` raised while opening or reading becomes one ``SaveFileError``
    naming ``path``.
    """
    try:
        with NpzReader(path) as reader:
            return read(reader)
    except FileProblem as err:
        raise SaveFileError(path, str(err)) from err.__cause__


class _Short(Exception):
    """The member's data ended before the declared size."""


def _open_zip(path: Path) -> zipfile.ZipFile:
    with path.open("rb") as fh:
        start = fh.read(8)
    if not start:
        raise FileProblem("the file is empty, not a segwidget results file")
    if start.startswith(_NPY_MAGIC):
        raise FileProblem(
            "this is a single numpy array (.npy), not a segwidget results file "
            "(Results.save writes a .npz archive)"
        )
    if not start.startswith(_ZIP_MAGICS):
        raise FileProblem(
            "not a segwidget results file: it is not a zip archive "
            "(Results.save writes a .npz archive)"
        )
    try:
        return zipfile.ZipFile(path)
    except (ValueError, *_ZIP_ERRORS) as err:
        raise FileProblem(
            f"the zip archive is truncated or damaged ({err}); not a readable segwidget file"
        ) from err


def _member_name(filename: str) -> str:
    return filename[: -len(".npy")] if filename.endswith(".npy") else filename


def _read_header(stream: IO[bytes]) -> Header:
    version = npy_format.read_magic(stream)
    if version == (1, 0):
        shape, fortran_order, dtype = npy_format.read_array_header_1_0(
            stream, max_header_size=_MAX_NPY_HEADER
        )
    elif version == (2, 0):
        shape, fortran_order, dtype = npy_format.read_array_header_2_0(
            stream, max_header_size=_MAX_NPY_HEADER
        )
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    offset = stream.tell()
    return Header(tuple(int(s) for s in shape), np.dtype(dtype), bool(fortran_order), offset)


def _check_spec(name: str, header: Header, spec: Spec) -> None:
    dtype = header.dtype
    if dtype.kind not in spec.kinds:
        raise FileProblem(f"{describe(name)} has dtype {dtype}; expected {_kinds(spec.kinds)}")
    if spec.itemsize and dtype.itemsize != spec.itemsize:
        raise FileProblem(
            f"{describe(name)} has dtype {dtype}; expected {spec.itemsize}-byte items"
        )
    limit = 4 * MAX_TEXT_CHARS if dtype.kind == "U" else 8
    if dtype.itemsize > limit:
        raise FileProblem(f"{describe(name)} has dtype {dtype}, wider than {limit}-byte items")
    if len(header.shape) != len(spec.shape) or any(
        want is not None and got != want for got, want in zip(header.shape, spec.shape, strict=True)
    ):
        raise FileProblem(
            f"{describe(name)} has shape {header.shape}; expected {_shape(spec.shape)}"
        )
    if spec.max_items is not None and header.items > spec.max_items:
        raise FileProblem(
            f"{describe(name)} declares {header.items} elements, more than the "
            f"{spec.max_items} it may hold"
        )


def _shape(shape: tuple[int | None, ...]) -> str:
    sizes = ["any" if s is None else str(s) for s in shape]
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(sizes)})"


def _kinds(kinds: str) -> str:
    words = {"b": "booleans", "i": "integers", "u": "unsigned integers", "f": "floats",
             "U": "text"}  # fmt: skip
    if "i" in kinds:  # "integers" covers both
        kinds = kinds.replace("u", "")
    return " or ".join(words[k] for k in kinds)


def _read_into(stream: IO[bytes], out: NDArray[np.uint8]) -> None:
    """Fill ``out`` from ``stream`` in bounded chunks (the zip checks the CRC at the end)."""
    done = 0
    while done < out.size:
        chunk = stream.read(min(_CHUNK, out.size - done))
        if not chunk:
            raise _Short(f"{done} of {out.size} bytes present")
        out[done : done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        done += len(chunk)
