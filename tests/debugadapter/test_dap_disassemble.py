"""`disassemble`: exactly the instructions asked for, before and after a
reference, padded past the ends, with source locations and symbols."""

from __future__ import annotations

from scenario import markers, program

BASICS = program("basics.esk")
LINES = markers(BASICS)


def stop_in_add(debuggee) -> dict:
    debuggee.start(BASICS, [LINES["add"]])
    debuggee.stopped("breakpoint")
    return debuggee.top()


def disassemble(debuggee, reference: str, offset: int, count: int) -> list[dict]:
    return debuggee.client.request("disassemble", {"memoryReference": reference, "instructionOffset": offset,
                                                   "instructionCount": count, "resolveSymbols": True})["instructions"]


def test_instructions_at_the_frame_pointer_have_bytes_text_symbol_and_location(debuggee):
    frame = stop_in_add(debuggee)
    first = disassemble(debuggee, frame["instructionPointerReference"], 0, 1)[0]
    assert first["address"] == frame["instructionPointerReference"]
    assert len(first["instructionBytes"]) == 8 and int(first["instructionBytes"], 16) >= 0
    assert first["symbol"] == "add" and first["instruction"].split()[0].isupper()
    assert (first["location"]["path"], first["line"]) == (str(BASICS), LINES["add"])
    assert first["endLine"] >= first["line"] and first["column"] >= 1
    debuggee.run_to_end()


def test_exact_count_with_negative_offsets_across_functions(debuggee):
    frame = stop_in_add(debuggee)
    listing = disassemble(debuggee, frame["instructionPointerReference"], -5, 40)
    assert len(listing) == 40
    addresses = [int(item["address"], 16) for item in listing]
    assert addresses == list(range(addresses[0], addresses[0] + 4 * 40, 4))
    assert listing[5]["address"] == frame["instructionPointerReference"]
    assert len({item.get("symbol") for item in listing if item.get("presentationHint") != "invalid"}) >= 2
    debuggee.run_to_end()


def test_padding_past_both_ends_is_marked_invalid(debuggee):
    frame = stop_in_add(debuggee)
    before = disassemble(debuggee, frame["instructionPointerReference"], -100_000, 10)
    assert len(before) == 10 and all(item["presentationHint"] == "invalid" for item in before)
    after = disassemble(debuggee, frame["instructionPointerReference"], 100_000, 7)
    assert len(after) == 7 and all(item["presentationHint"] == "invalid" for item in after)
    assert disassemble(debuggee, frame["instructionPointerReference"], 0, 0) == []
    debuggee.run_to_end()


def test_byte_offsets_and_bad_references(debuggee):
    frame = stop_in_add(debuggee)
    reference = frame["instructionPointerReference"]
    same = debuggee.client.request("disassemble", {"memoryReference": reference, "offset": 8,
                                                   "instructionOffset": -2, "instructionCount": 1})
    assert same["instructions"][0]["address"] == reference
    assert debuggee.client.failure("disassemble", {"memoryReference": "here", "instructionCount": 1})
    debuggee.run_to_end()


def test_any_count_is_answered_with_the_real_instructions_and_bounded_padding(debuggee):
    frame = stop_in_add(debuggee)
    listing = disassemble(debuggee, frame["instructionPointerReference"], -2_000_000, 1_000_000_000)
    real = [item for item in listing if item.get("presentationHint") != "invalid"]
    assert real and len(listing) - len(real) <= 2000
    assert frame["instructionPointerReference"] in [item["address"] for item in real]
    addresses = [int(item["address"], 16) for item in listing]
    assert addresses == sorted(addresses)
    debuggee.run_to_end()
