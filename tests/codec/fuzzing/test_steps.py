"""Session fuzz steps: deterministic, handles flowing from the steps that make them, bytes.

Expected bytes are hand-derived: the CDBs from SPC-5 (TEST UNIT READY 00h, six bytes; INQUIRY
12h with ALLOCATION LENGTH 0024h in bytes 3-4; REPORT LUNS A0h with ALLOCATION LENGTH in
bytes 6-9) and SBC-4 (READ(10) 28h / WRITE(10) 2Ah: LBA bytes 2-5, TRANSFER LENGTH bytes
7-8); ISCSITGT_SPT_SESSION_STOP on win64/u64: SRB_IO_CONTROL (28 bytes), 4 bytes padding,
ITNexusHandle (8 bytes) at offset 32.
"""

from __future__ import annotations

from collections import Counter

from iscsitgt_spt.codec.fuzzing.steps import (
    CDBS,
    HANDLE_SLOTS,
    UNKNOWN_HANDLE,
    Concrete,
    Step,
    generate_steps,
)
from iscsitgt_spt.spec.constants import TmfFunction
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE


def test_same_seed_same_sequence_other_seed_other_sequence() -> None:
    assert generate_steps(5, 300) == generate_steps(5, 300)
    assert generate_steps(5, 300) != generate_steps(6, 300)
    # a longer run starts with the shorter one
    assert generate_steps(5, 500)[:300] == generate_steps(5, 300)


def test_every_kind_function_and_cdb_is_drawn() -> None:
    steps = generate_steps(1, 2000)
    kinds = Counter(s.kind for s in steps)
    assert set(kinds) == {"start", "stop", "tmf", "scsi"}
    functions = {s.function for s in steps if s.kind == "tmf"}
    assert {int(f) for f in TmfFunction} <= functions
    assert functions - {int(f) for f in TmfFunction}  # and codes no RFC defines
    assert {s.cdb for s in steps if s.kind == "scsi"} == set(CDBS)
    assert any(s.reinstate for s in steps) and any(s.mutation for s in steps)
    assert any(s.handle == UNKNOWN_HANDLE for s in steps)


def test_handles_flow_from_start_to_use() -> None:
    # Most requests that name a handle name one a START opened earlier in the sequence.
    steps = generate_steps(3, 2000)
    started: set[int] = set()
    using = after_start = 0
    for step in steps:
        if step.kind == "start":
            started.add(step.handle)
        elif step.kind in ("tmf", "scsi"):
            using += 1
            after_start += step.handle in started
    assert after_start / using > 0.8
    assert all(s.handle < HANDLE_SLOTS or s.handle == UNKNOWN_HANDLE for s in steps)


def test_cdb_table_bytes() -> None:
    assert CDBS["TEST UNIT READY"][0] == bytes(6)
    inquiry = CDBS["INQUIRY"][0]
    assert inquiry[0] == 0x12 and int.from_bytes(inquiry[3:5], "big") == 36
    read = CDBS["READ(10) 8 blocks"][0]
    assert read[0] == 0x28 and int.from_bytes(read[2:6], "big") == 0 \
        and int.from_bytes(read[7:9], "big") == 8
    assert CDBS["WRITE(10) 8 blocks"][0][0] == 0x2A
    luns = CDBS["REPORT LUNS"][0]
    assert luns[0] == 0xA0 and int.from_bytes(luns[6:10], "big") == 256


def test_slots_become_values_and_bytes() -> None:
    step = Step("stop", 2)
    data, note = step.encode(DEFAULT_PROFILE, Concrete(handle_base=0x1000))
    assert note == "" and len(data) == 40
    assert int.from_bytes(data[32:40], "little") == 0x1002
    other, _ = step.encode(DEFAULT_PROFILE, Concrete(handle_base=0x2000))
    assert int.from_bytes(other[32:40], "little") == 0x2002


def test_a_mutation_changes_the_bytes_deterministically() -> None:
    plain = Step("stop", 1)
    mutated = Step("stop", 1, mutation=("mutate", 12345))
    base, _ = plain.encode(DEFAULT_PROFILE, Concrete())
    data, note = mutated.encode(DEFAULT_PROFILE, Concrete())
    assert data != base and note.startswith("mutate: ")
    assert mutated.encode(DEFAULT_PROFILE, Concrete()) == (data, note)
    edge, why = Step("stop", 1, mutation=("boundary", 3)).encode(DEFAULT_PROFILE, Concrete())
    assert why.startswith("boundary: ") and edge != base
    assert mutated.without_mutation() == plain
