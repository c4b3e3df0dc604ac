"""Sealing many My Numbers at once gives boxes that open like those sealed one by one, each
bound to its row, none sharing a nonce."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.sqlalchemy.crypto import Cipher
from kure_juki.adapters.sqlalchemy.vault import new_refs, number_context
from kure_juki.domain.errors import IntegrityError
from kure_juki.testing.strategies.identifiers import my_numbers

CIPHER = Cipher(MemoryKeyStore())
NONCE = 24


@given(st.lists(my_numbers(), min_size=1, max_size=30))
def test_boxes_sealed_together_open_like_boxes_sealed_alone(numbers: list[str]) -> None:
    rows = [f"1{i:09d}" for i in range(len(numbers))]
    kid, boxes = CIPHER.seal_many(
        [(n.encode(), number_context(r)) for n, r in zip(numbers, rows, strict=True)]
    )
    assert kid == CIPHER.current_key_id()
    for number, row, box in zip(numbers, rows, boxes, strict=True):
        assert CIPHER.open(kid, box, number_context(row)) == number.encode()
        _, alone = CIPHER.seal(number.encode(), number_context(row), kid)
        assert len(alone) == len(box)
    assert len({box[:NONCE] for box in boxes}) == len(boxes)


def test_a_box_sealed_together_is_bound_to_its_row() -> None:
    kid, (first, second) = CIPHER.seal_many(
        [(b"123456789018", number_context("1000000001")), (b"000011047629", "mn:1000000002")]
    )
    with pytest.raises(IntegrityError):
        CIPHER.open(kid, first, number_context("1000000002"))
    with pytest.raises(IntegrityError):
        CIPHER.open(kid, second[:-1] + bytes([second[-1] ^ 1]), number_context("1000000002"))


def test_refs_made_together_are_distinct_and_keep_their_row() -> None:
    ids = [f"1{i:09d}" for i in range(1000)]
    refs = new_refs(ids)
    assert len(set(refs)) == 1000
    assert all(
        ref.startswith(rid + "-") and len(ref) == len(rid) + 17
        for rid, ref in zip(ids, refs, strict=True)
    )
