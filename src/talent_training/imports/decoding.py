"""CSV bytes to lines of text, streamed: the encoding is found on the way, lines are split for the csv module.

Without an explicit encoding, a file is UTF-8 (with or without BOM) or else Windows-1252. Both agree on
ASCII, so nothing is decided while the bytes are ASCII; the first non-ASCII character decides: UTF-8 when
it is a valid UTF-8 sequence, else Windows-1252. A Windows-1252 file whose first accent lies deep in the
file is therefore read right, and a file that turns out to mix both is refused at the row of its first
wrong byte instead of being read as mojibake.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator

UTF8 = "utf-8"
CP1252 = "cp1252"
ASCII = "ascii"
UTF8_BOM = codecs.BOM_UTF8
MAX_LINE = 1024 * 1024

_NON_ASCII = re.compile(rb"[\x80-\xff]")


class DecodingFailed(Exception):
    """A byte the file's encoding cannot read; raised after the text before it has been handed over."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LineTooLong(Exception):
    pass


def encoding_name(encoding: str) -> str:
    """Python's name for a text encoding given as an option (`UTF8`, `windows-1252`, `latin-1`...); ValueError
    for anything else: an unknown name, or a codec that is not a text encoding (`hex`, `rot13`, `zlib`)."""
    try:
        # bytes.decode takes text encodings only (of a byte: decoding nothing skips the codec); a text
        # encoding in which one byte is no text (UTF-16) is fine.
        with contextlib.suppress(UnicodeDecodeError):
            b"a".decode(encoding)
        return codecs.lookup(encoding).name
    except (LookupError, ValueError):  # ValueError: a name no codec could have (a NUL in it)
        raise ValueError(f"unknown text encoding {encoding[:40]!r}") from None


class Decoder:
    """Incremental decoder for the encoding given, or deciding between UTF-8 and Windows-1252."""

    def __init__(self, encoding: str | None, chosen: bool = False, why: str = "") -> None:
        self.encoding = encoding
        self.chosen = chosen
        self._why = why
        self._decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
        self._pending = b""

    @classmethod
    def for_head(cls, head: bytes, encoding: str | None) -> tuple[Decoder, bytes]:
        """The decoder for a file starting with `head`, and `head` without its byte order mark."""
        if encoding is not None:
            name = encoding_name(encoding)
            if name == UTF8 and head.startswith(UTF8_BOM):
                head = head[len(UTF8_BOM) :]
            return cls(name, chosen=True), head
        if head.startswith(UTF8_BOM):
            return cls(UTF8, why="it starts with UTF-8's byte order mark"), head[len(UTF8_BOM) :]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DecodingFailed("UTF-16 text is not read: save the file as CSV UTF-8")
        return cls(None), head

    @property
    def name(self) -> str:
        """The encoding read so far: `ascii` while nothing beyond ASCII was met."""
        return self.encoding or ASCII

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._decoder is None:
            data, self._pending = self._pending + data, b""
            found = _NON_ASCII.search(data)
            if found is None:
                return data.decode(ASCII)
            start = found.start()
            utf8 = _starts_utf8(data[start : start + 4], final)
            if utf8 is None:  # a UTF-8 sequence, perhaps, cut by the chunk: wait for the rest
                self._pending = data[start:]
                return data[:start].decode(ASCII)
            if utf8:
                self.encoding, self._why = UTF8, "its first accented characters are UTF-8"
            else:
                self.encoding = CP1252
            self._decoder = codecs.getincrementaldecoder(self.encoding)()
        return self._decoder.decode(data, final)

    def before(self, error: UnicodeDecodeError) -> str:
        """The text preceding the undecodable byte. The incremental decoders keep an unfinished sequence
        and raise on it with the next chunk: the error's object holds both."""
        try:
            return bytes(error.object[: error.start]).decode(self.name)
        except UnicodeDecodeError:  # a stateful encoding chosen by the user: the row is still named
            return ""

    def explain(self, error: UnicodeDecodeError) -> str:
        bad = bytes(error.object[error.start : error.start + 1]).hex().upper()
        if self.chosen:
            return f"byte 0x{bad} cannot be read as {self.name}: is the encoding right?"
        if self.encoding == UTF8:
            return (
                f"byte 0x{bad} is not UTF-8, although the file was read as UTF-8 because {self._why}: "
                "save the whole file as UTF-8 (or, if it is Windows-1252, choose that encoding)"
            )
        return f"byte 0x{bad} is not a Windows-1252 character: save the file as UTF-8"


def texts(chunks: Iterable[bytes], decoder: Decoder) -> Iterator[str]:
    """Decoded text, chunk by chunk; at an undecodable byte, the text before it, then DecodingFailed."""
    for chunk, final in _with_end(chunks):
        try:
            yield decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            yield decoder.before(error)
            raise DecodingFailed(decoder.explain(error)) from None


def _with_end(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    for chunk in chunks:
        yield chunk, False
    yield b"", True


def _starts_utf8(head: bytes, final: bool) -> bool | None:
    """Whether `head` starts with a valid UTF-8 sequence; None when it is too short to say."""
    try:
        decoded = codecs.getincrementaldecoder(UTF8)().decode(head, final)
    except UnicodeDecodeError as error:
        return error.start > 0
    return True if decoded else None  # with `final`, an unfinished sequence raises


# After each \n, and after each \r that no \n follows: the line ends the csv module expects, nothing more.
# str.splitlines also cuts at \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029, which may sit inside a
# cell; it is ten times faster than the regular expression, so it splits every chunk free of them.
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def lines(chunks: Iterable[str], max_line: int = MAX_LINE) -> Iterator[str]:
    """Lines with their ends, whatever the chunks' boundaries; a line over `max_line` raises LineTooLong."""
    return itertools.chain.from_iterable(_line_batches(chunks, max_line))


def _line_batches(chunks: Iterable[str], max_line: int) -> Iterator[list[str]]:
    """The complete lines of each chunk, at once: the csv module then pulls them at C speed."""
    carry = ""
    for chunk in chunks:
        text = carry + chunk if carry else chunk
        parts = _LINE_END.split(text) if _OTHER_BREAKS.search(text) else text.splitlines(keepends=True)
        if parts and not parts[-1]:  # the regular expression's empty end
            parts.pop()
        # The last part goes on in the next chunk, unless it ends with \n (a \r may have its \n there).
        carry = parts.pop() if parts and not parts[-1].endswith("\n") else ""
        if len(carry) > max_line:
            raise LineTooLong
        yield parts
    if carry:
        yield [carry]
