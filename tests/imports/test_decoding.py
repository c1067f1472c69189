"""Decoding and line splitting of CSV bytes, whatever the boundaries of the chunks they arrive in."""

from __future__ import annotations

import pytest

from talent_training.imports.decoding import Decoder, DecodingFailed, LineTooLong, lines, texts


@pytest.mark.parametrize("cell", ["plain", "a\u2028b", "form\x0cfeed", "x\x85y"])
def test_lines_end_at_cr_lf_or_crlf_only_wherever_chunks_are_cut(cell: str) -> None:
    text = f"h1,h2\r\n{cell},1\r\n{cell},2\r{cell},3\n\n{cell},4"
    expected = ["h1,h2\r\n", f"{cell},1\r\n", f"{cell},2\r", f"{cell},3\n", "\n", f"{cell},4"]
    for size in (1, 2, 3, 5, 8, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert list(lines(chunks)) == expected, size


def test_a_line_too_long_is_refused_without_being_held() -> None:
    with pytest.raises(LineTooLong):
        list(lines(["x" * 600, "x" * 600, "\n"], max_line=1000))


def test_undecided_while_ascii_then_windows_1252() -> None:
    decoder = Decoder(None)
    assert decoder.decode(b"abc") == "abc"
    assert decoder.name == "ascii"
    assert decoder.decode(b"caf\xe9 ") == "café "
    assert decoder.name == "cp1252"


def test_undecided_while_ascii_then_utf8_even_when_a_chunk_cuts_the_character() -> None:
    decoder = Decoder(None)
    assert decoder.decode(b"caf\xc3") == "caf"
    assert decoder.decode(b"\xa9!") == "é!"
    assert decoder.name == "utf-8"


def test_a_lone_lead_byte_at_the_end_is_windows_1252() -> None:
    decoder = Decoder(None)
    assert decoder.decode(b"\xc3") == ""
    assert decoder.decode(b"", final=True) == "Ã"


def test_the_text_before_a_bad_byte_is_handed_over_first() -> None:
    got: list[str] = []
    with pytest.raises(DecodingFailed, match="0xE9 is not UTF-8"):
        got.extend(texts([b"\xc3\xa9t\xc3", b"\xa9 ok\nthen \xe9"], Decoder(None)))
    assert "".join(got) == "été ok\nthen "
