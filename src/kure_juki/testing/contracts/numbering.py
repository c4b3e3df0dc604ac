"""The contract of the numbering port (``kure_juki.ports.numbering``): every numbering service
(the simulator, numbering through the CS, a vendor's own) must pass this suite unchanged.

Subclass :class:`NumberingContract` once per service and implement ``make_numbering``::

    class TestMyNumbering(NumberingContract):
        def make_numbering(self, request):
            return MyNumbering(...)

The properties, each a test below: 住民票コード come in the number asked for, each valid by its
check digit (検査数字) and never handed out twice; 個人番号 are valid by theirs and never the
same for two persons; over generated runs of allotments and requests, nothing repeats in the
life of the service; and a service that keeps its state in the register's store (``within``,
see :class:`~kure_juki.ports.numbering.StoredNumbering`) repeats nothing when a second instance
(a restarted or a second process) draws from the same store counters.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kure_juki.domain.identifiers import is_valid_my_number, is_valid_resident_code
from kure_juki.ports.numbering import NumberingService, bound

__all__ = ["NumberingContract"]

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    # One service per test, shared by its examples: what it hands out must never repeat in its
    # life, so the examples check against everything handed out before them.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)


class NumberingContract:
    """Subclass per numbering service and implement :meth:`make_numbering`."""

    def make_numbering(self, request: pytest.FixtureRequest) -> NumberingService:
        raise NotImplementedError

    @pytest.fixture
    def numbering(self, request: pytest.FixtureRequest) -> NumberingService:
        return self.make_numbering(request)

    @pytest.fixture
    def handed_out(self) -> dict[str, set[str]]:
        """Every code and number the test's service has handed out so far."""
        return {"codes": set(), "numbers": set()}

    def test_resident_codes_come_as_many_as_asked_valid_and_new(
        self, numbering: NumberingService
    ) -> None:
        first = numbering.allot_resident_codes(5)
        second = numbering.allot_resident_codes(20)
        assert (len(first), len(second)) == (5, 20)
        assert all(is_valid_resident_code(c) for c in first + second)
        assert len(set(first + second)) == 25
        assert numbering.allot_resident_codes(0) == []

    def test_my_numbers_are_valid_and_one_per_person(self, numbering: NumberingService) -> None:
        codes = numbering.allot_resident_codes(10)
        numbers = [numbering.request_my_number(code) for code in codes]
        assert all(is_valid_my_number(n) for n in numbers)
        assert len(set(numbers)) == len(numbers)
        assert not set(numbers) & set(codes)

    @HYPOTHESIS
    @given(data=st.data())
    def test_nothing_is_handed_out_twice(
        self,
        numbering: NumberingService,
        handed_out: dict[str, set[str]],
        data: st.DataObject,
    ) -> None:
        for count in data.draw(st.lists(st.integers(0, 12), min_size=1, max_size=4)):
            codes = numbering.allot_resident_codes(count)
            assert len(codes) == count
            assert all(is_valid_resident_code(c) for c in codes)
            fresh = set(codes)
            assert len(fresh) == count and not fresh & handed_out["codes"]
            handed_out["codes"] |= fresh
            persons = data.draw(st.lists(st.sampled_from(codes), unique=True) if codes
                                else st.just([]))  # fmt: skip
            for code in persons:
                number = numbering.request_my_number(code)
                assert is_valid_my_number(number)
                assert number not in handed_out["numbers"]
                handed_out["numbers"].add(number)

    def test_a_second_instance_on_the_same_store_counters_repeats_nothing(
        self, numbering: NumberingService, request: pytest.FixtureRequest
    ) -> None:
        if not callable(getattr(numbering, "within", None)):
            pytest.skip("the service keeps no state in the register's store")
        counters = _Counters()
        first = bound(numbering, counters)
        codes = first.allot_resident_codes(15)
        numbers = {first.request_my_number(c) for c in codes[:5]}
        # A restart: a new instance of the service, the same store, for the codes (allotted on
        # the register's side); 個人番号 through a new binding of the same service (through
        # the CS there is one national server, whose memory is its own).
        again = bound(self.make_numbering(request), counters).allot_resident_codes(15)
        numbers |= {bound(numbering, counters).request_my_number(c) for c in again[:5]}
        assert len(set(codes) | set(again)) == 30
        assert len(numbers) == 10 and all(is_valid_my_number(n) for n in numbers)


class _Counters:
    """The store's counters as a numbering service sees them (``uow.sequences``)."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def next(self, name: str) -> int:
        self.values[name] = self.values.get(name, 0) + 1
        return self.values[name]
