"""Many documents handed out as one: a ZIP written as it is sent, and PDFs merged into one.

Plain functions on file-like objects: the caller decides which files and under what names.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

CHUNK = 256 * 1024


class _Sink(io.RawIOBase):
    """Where ``zipfile`` writes: the bytes wait here until the stream takes them. Not
    seekable, so ``zipfile`` writes each member's sizes after its data (a data descriptor)
    and never goes back."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_stream(members: Iterable[tuple[str, Callable[[], BinaryIO]]]) -> Iterator[bytes]:
    """The ZIP of ``members`` (name, function that opens the file), in chunks, as it is
    written: one file in memory at a time, at most. Stored, not compressed: PDFs and Word
    files are compressed already. A member whose opener raises FileNotFoundError is left out.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, open_file in members:
            try:
                source = open_file()
            except FileNotFoundError:
                continue
            with source, archive.open(name, "w") as member:
                while chunk := source.read(CHUNK):
                    member.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    yield sink.take()


def pdfs_merge(sources: Iterable[BinaryIO], out: BinaryIO) -> int:
    """Writes the pages of every PDF of ``sources``, in order, to ``out``; the page count."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for source in sources:
        writer.append(source)
    writer.write(out)
    return len(writer.pages)
