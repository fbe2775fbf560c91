"""The instruction table: encoding, decoding and the generated reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm import opcodes
from esker.vm.opcodes import OPCODES, EncodingError, Op, decode, encode


def test_opcode_numbers_follow_the_table():
    assert [Op[info.name] for info in OPCODES] == list(range(len(OPCODES)))
    assert len(OPCODES) <= 128


def test_every_instruction_is_documented():
    for info in OPCODES:
        assert info.format in opcodes.FORMATS
        assert info.meaning, info.name
        assert all(role in "RKUPIN-" for role in (info.a, info.b, info.c, info.bx)), info.name


def test_tests_and_loops_skip_their_jump():
    skipping = {info.name for info in OPCODES if info.skips}
    assert {"EQ", "LT", "LTI", "EQK", "TEST", "TESTSET", "FORLOOP", "FORITER", "FORPREP", "TESTVARIANT"} <= skipping
    assert not {"JMP", "ADD", "CALL", "RETURN"} & skipping


@settings(max_examples=200)
@given(st.sampled_from([info for info in OPCODES if info.format == "iABC"]),
       st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.integers(0, 1))
def test_abc_round_trip(info, a, b, c, k):
    word = encode(Op[info.name], a, b, c, k)
    decoded = decode(word)
    assert (decoded.name, decoded.a, decoded.b, decoded.c, decoded.k) == (info.name, a, b, c, k)
    assert 0 <= word < 2 ** 32


@settings(max_examples=100)
@given(st.integers(0, 255), st.integers(0, opcodes.MAX_BX), st.integers(-opcodes.OFFSET_SBX, opcodes.OFFSET_SBX),
       st.integers(-opcodes.OFFSET_SJ, opcodes.OFFSET_SJ))
def test_wide_formats_round_trip(a, bx, sbx, sj):
    assert decode(encode(Op.LOADK, a, bx=bx)).bx == bx
    assert decode(encode(Op.LOADI, a, sbx=sbx)).sbx == sbx
    assert decode(encode(Op.JMP, sj=sj)).sj == sj


@pytest.mark.parametrize("arguments", [
    dict(op=Op.MOVE, a=256), dict(op=Op.MOVE, b=-1), dict(op=Op.LOADK, bx=opcodes.MAX_BX + 1),
    dict(op=Op.JMP, sj=opcodes.OFFSET_SJ + 2)])
def test_operands_that_do_not_fit_are_refused(arguments):
    with pytest.raises(EncodingError):
        encode(**arguments)


def test_field_helpers_replace_one_field():
    word = encode(Op.ADD, 1, 2, 3)
    assert decode(opcodes.with_a(word, 9)).a == 9
    assert decode(opcodes.with_k(word, 1)).k == 1
    assert decode(opcodes.with_sj(encode(Op.JMP, sj=0), -7)).sj == -7
    assert opcodes.fits_sc(128) and opcodes.fits_sc(-127) and not opcodes.fits_sc(129)
    assert not opcodes.fits_sc(True) and not opcodes.fits_sc(1.0)


def test_unknown_opcode_does_not_decode():
    with pytest.raises(EncodingError):
        decode(127)


def test_reference_lists_every_instruction():
    page = opcodes.render_markdown()
    for info in OPCODES:
        assert f"`{info.name}`" in page
    assert page.startswith("# Esker bytecode")
