"""Dump files: gzip or plain, read as UTF-8 decoded incrementally (JSON values and JSON lines,
with the line of any error found, counted only when a message needs it) and written atomically."""

from __future__ import annotations

import codecs
import gzip
import json
import re
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from rankkit.dumps.model import DumpError

READ_CHUNK = 1 << 22  # characters the released-format reader decodes at a time


def open_binary(path: Path) -> IO[bytes]:
    if not path.exists():
        raise DumpError(path, "file not found")
    if path.is_dir():
        raise DumpError(path, "is a directory, not a dump file")
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


class LazyLine:
    """A line number counted only when an error message needs it (re-reading the file)."""

    def __init__(self, path: Path, char_offset: int):
        self.path, self.char_offset = path, char_offset

    def __int__(self) -> int:
        line, remaining = 1, self.char_offset
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        with open_binary(self.path) as fh:
            while remaining > 0:
                data = fh.read(1 << 20)
                text = decoder.decode(data, final=not data)
                if not data and not text:
                    break
                line += text.count("\n", 0, remaining)
                remaining -= len(text)
        return line

    def __str__(self) -> str:
        return str(int(self))

    def __eq__(self, other) -> bool:
        return int(self) == other


class TextStream:
    """Incremental UTF-8 text over a binary file, with positions for error messages."""

    _WS = re.compile(r"[ \t\n\r]*")

    def __init__(self, fh: IO[bytes], path: Path, chunk: int | None = None):
        self.fh, self.path, self.chunk = fh, path, chunk or READ_CHUNK
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf, self.pos, self.eof = "", 0, False
        self.bytes_read = 0
        self.chars_before = 0  # characters of the file before buf[0]

    def fill(self, at_least: int = 0) -> bool:
        """Append more text; False at end of file."""
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, at_least))
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:
            raise DumpError(self.path, f"not valid UTF-8 near byte {self.bytes_read + e.start}") from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
        self.chars_before += self.pos
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return bool(data) or bool(text)

    def line_at(self, pos: int) -> "LazyLine":
        return LazyLine(self.path, self.chars_before + pos)

    def peek(self) -> str:
        while True:
            self.pos = self._WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        got = self.peek()
        if got != char:
            found = repr(got) if got else "end of file"
            raise DumpError(self.path, f"expected {what}, found {found}", line=self.line_at(self.pos))
        self.pos += 1

    def byte_offset(self, pos: int) -> int:
        """The file's byte offset of buffer position ``pos`` (exact once the decoder is drained)."""
        return self.bytes_read - len(self.buf[pos:].encode("utf-8", "surrogatepass"))

    def value(self, decoder=json.JSONDecoder(), task_id=None):
        """Decode the next JSON value, reading more of the file until it is complete."""
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                where, at = self.line_at(e.pos), self.byte_offset(e.pos)  # before fill() shifts the buffer
                truncated = e.pos >= len(self.buf) - 1 or e.msg.startswith("Unterminated")
                if self.fill(at_least=len(self.buf)):
                    continue
                reading = f" while reading task {task_id}" if task_id is not None else ""
                ended = "; the file ends inside this value (truncated?)" if truncated else ""
                raise DumpError(self.path, f"invalid JSON at byte {at:,} of {self.bytes_read:,}{reading}: "
                                           f"{e.msg.removesuffix(' at')}{ended}", line=where) from None
            if end == len(self.buf) and not self.eof and self.buf[end - 1] not in "}]\"":
                # A number or literal at the very end of the buffer may continue in the next chunk.
                self.fill()
                continue
            self.pos = end
            return value


def iter_jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    with open_binary(path) as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DumpError(path, f"not valid UTF-8 (byte {e.start} of the line)", line=line_no) from None
            if not text.strip():
                continue
            try:
                yield line_no, json.loads(text)
            except json.JSONDecodeError as e:
                raise DumpError(path, f"invalid JSON: {e.msg} (column {e.colno})", line=line_no) from None


def iter_json_array_records(path: Path) -> Iterator[tuple[int, Any]]:
    with open_binary(path) as fh:
        stream = TextStream(fh, path)
        stream.expect("[", "a JSON array")
        if stream.peek() == "]":
            return
        while True:
            line = stream.line_at(stream.pos)
            yield line, stream.value()
            if stream.peek() == ",":
                stream.pos += 1
                continue
            stream.expect("]", "',' or ']'")
            return




def write_text(path: str | Path, parts: Iterable[str]) -> None:
    """Write the strings of ``parts`` to ``path`` (gzip for .gz) through a .part file, so that an
    interrupted write never leaves a partial file under the real name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    opened = (gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) if path.name.endswith(".gz")
              else open(tmp, "w", encoding="utf-8"))
    with opened as fh:
        for part in parts:
            fh.write(part)
    tmp.replace(path)
