"""The contract of the storage port: every adapter (memory, SQLAlchemy on SQLite or PostgreSQL,
a vendor's own) must pass this suite unchanged.

Subclass :class:`StorageContract` once per adapter and implement ``make_store``; adapters that
persist implement ``reopen`` to prove a second opening sees the data::

    class TestMyStore(StorageContract):
        def make_store(self, tmp_path, request):
            return MyStore(...)

The properties, each a test below: every field of every record survives a round trip (My
Numbers and movement secrets included, whatever fields the domain grows: records are generated
from their attrs definitions); versions are checked and a stale write raises ConflictError
without losing the other writer's change; a rolled-back unit leaves nothing behind (counters and
the 住民票コード pool included); reads inside a unit see its pending writes; ``members``,
``living_by_*``, ``iter_all`` and ``count`` keep the memory adapter's semantics; ``search``
agrees with :func:`kure_juki.domain.search.matches` on generated registers and criteria; 除票
are found by each code and by 3情報, pending writes included; the
audit log keeps order and its chain verifies; documents are found by key, subject and kind.
"""

from __future__ import annotations

import datetime as dt
import itertools
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kure_juki.domain import audit as audit_chain
from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.errors import ConflictError
from kure_juki.domain.household import Household
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.operator import Operator
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.resident import Deletion, ForeignResidentItems, Resident
from kure_juki.domain.search import SearchCriteria, matches
from kure_juki.ports.clock import JST
from kure_juki.ports.storage import Store

# -- synthetic data -----------------------------------------------------------------------
# Names chosen so that prefixes, voiced/unvoiced readings and variant kanji collide.
FAMILY = [
    ("佐藤", "さとう"),
    ("佐藤", "サトウ"),
    ("佐渡", "さど"),
    ("斎藤", "さいとう"),
    ("齋藤", "さいとう"),
    ("後藤", "ごとう"),
    ("工藤", "くどう"),
    ("伊藤", "いとう"),
    ("本田", "ほんだ"),
    ("本多", "ほんた"),
    ("髙橋", "たかはし"),
    ("高橋", "たかはし"),
    ("SMITH", "すみす"),
    ("ｽﾐｽ", "ｽﾐｽ"),
    ("𠮷田", "よしだ"),
]
GIVEN = [
    ("一郎", "いちろう"),
    ("一朗", "いちろう"),
    ("花子", "はなこ"),
    ("ジョン", "じょん"),
    ("秀", "しゅう"),
    ("修", "じゅう"),
    ("", ""),
    ("ゆう", "ゆう"),
    ("優", "ゆー"),
]
ADDRESSES = [
    "広島県呉市中央四丁目1番",
    "広島県呉市本通一丁目1番1号",
    "広島県呉市広古新開三丁目3番",
    "広島県呉市音戸町１－２",
    "Kure Central Tower 5F",
]
BIRTHS = [dt.date(1980, 4, 1), dt.date(1982, 5, 2), dt.date(2001, 1, 1), dt.date(1950, 12, 31)]

_ids = itertools.count(1)
# Text that every database can hold: no control characters (PostgreSQL refuses NUL), no lone
# surrogates; kanji outside the BMP, combining marks and half-width kana included.
SAFE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from("呉市髙﨑𠮷かﾞカ゛ー・ 　"),
    ),
    max_size=12,
)


def fresh_id(prefix: str) -> str:
    """An id unique in this process (stores accumulate records across hypothesis examples)."""
    return f"{prefix}{next(_ids):08d}"


def unique_codes() -> tuple[str, str]:
    n = next(_ids)
    return (
        complete_resident_code(f"{(n * 7_919 + 13) % 10**10:010d}"),
        complete_my_number(f"{(n * 104_729 + 17) % 10**11:011d}"),
    )


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a (resolved) field type: attrs classes field by field, safe text for str."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is type(None):
        return st.none()
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
        return st.tuples(*(strategy_for(a) for a in args))
    if origin in (frozenset, set):
        return st.frozensets(strategy_for(args[0]), max_size=3)
    if origin in (list,):
        return st.lists(strategy_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(SAFE_TEXT, strategy_for(args[1]), max_size=3)
    if tp is Any:
        return json_values()
    if tp is str:
        return SAFE_TEXT
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**31), 2**31)
    if tp is dt.datetime:
        return st.datetimes(
            min_value=dt.datetime(1900, 1, 1),
            max_value=dt.datetime(2100, 1, 1),
            timezones=st.sampled_from([JST, dt.UTC]),
        )
    if tp is dt.date:
        return st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    if attrs.has(tp):
        return record_strategy(tp)
    raise TypeError(f"no strategy for {tp!r}")


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | SAFE_TEXT
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SAFE_TEXT, inner, max_size=3),
        max_leaves=6,
    )


def record_strategy(cls: type[Any], **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Instances of an attrs class with every field drawn (defaults too), unless overridden."""
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: overrides[f.name] if f.name in overrides else strategy_for(hints[f.name])
        for f in attrs.fields(cls)
    }
    return st.fixed_dictionaries(fields).map(lambda kw: cls(**kw))


@st.composite
def residents(draw: st.DrawFn, household_id: str | None = None) -> Resident:
    """A resident with every field drawn; names, dates and addresses from small pools."""
    family, family_kana = draw(st.sampled_from(FAMILY))
    given, given_kana = draw(st.sampled_from(GIVEN))
    code, number = unique_codes()
    deleted = draw(st.booleans() | st.just(False))
    resident: Resident = draw(
        record_strategy(
            Resident,
            resident_id=st.just(fresh_id("R")),
            household_id=st.just(household_id)
            if household_id
            else st.sampled_from(["H-A", "H-B", "H-C"]),
            resident_code=st.just(code),
            my_number=st.sampled_from([number, number, None]),
            name=st.just(PersonName(family, given, family_kana, given_kana)),
            birth_date=st.sampled_from(BIRTHS),
            address=st.sampled_from(ADDRESSES).map(lambda t: Address("737-0045", t)),
            deletion=(record_strategy(Deletion) if deleted else st.none()),
            version=st.integers(1, 1),
        )
    )
    return resident


def households(household_id: str | None = None) -> st.SearchStrategy[Household]:
    return record_strategy(
        Household,
        household_id=st.just(household_id or fresh_id("H")),
        version=st.just(1),
    )


def movement_records(movement_id: int, resident_ids: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return record_strategy(
        MovementRecord,
        movement_id=st.just(movement_id),
        resident_ids=st.just(resident_ids),
        notification=st.dictionaries(SAFE_TEXT, json_values(), max_size=4),
        allocation=st.dictionaries(SAFE_TEXT, json_values(), max_size=4),
        secrets=st.dictionaries(
            st.sampled_from(["notification.persons[0].my_number", "allocation.my_numbers[1]"]),
            st.builds(lambda: unique_codes()[1]),
        ),
    )


def audit_entries(operator_id: str, subjects: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return record_strategy(
        AuditEntry,
        operator_id=st.just(operator_id),
        subject_ids=st.just(subjects),
        outcome=st.sampled_from(["ok", "refused", "error"]),
        detail=st.dictionaries(SAFE_TEXT, json_values(), max_size=4),
    )


def kana_variants(kana: str) -> list[str]:
    """Ways a clerk may type a reading: hiragana, katakana, with a space, unvoiced."""
    from kure_juki.domain.names import seion_kana, to_katakana

    return [kana, to_katakana(kana), kana[:1] + " " + kana[1:], seion_kana(kana), kana[:2]]


@st.composite
def criteria(draw: st.DrawFn, known: list[Resident]) -> SearchCriteria:
    def name_query(pool: list[tuple[str, str]]) -> st.SearchStrategy[str | None]:
        kanji, kana = draw(st.sampled_from(pool))
        return st.sampled_from([None, kanji, kanji[:1], *kana_variants(kana), " ", "タ"])

    pick = st.sampled_from(known) if known else st.none()
    someone = draw(pick)
    code, number = unique_codes()
    return SearchCriteria(
        family_name=draw(name_query(FAMILY)),
        given_name=draw(name_query(GIVEN)),
        birth_date=draw(st.sampled_from([None, *BIRTHS])),
        address=draw(st.sampled_from([None, "", "呉市", "本通", "１－２", "central", "Tower"])),
        sex=draw(st.sampled_from([None, "male", "female"])),
        resident_code=draw(
            st.sampled_from([None, code] + ([someone.resident_code] if someone else []))
        ),
        my_number=draw(
            st.sampled_from(
                [None, number] + ([someone.my_number] if someone and someone.my_number else [])
            )
        ),
        include_deleted=draw(st.booleans()),
    )


def expected_search(everyone: list[Resident], c: SearchCriteria, limit: int) -> list[str]:
    hits = sorted((r for r in everyone if matches(r, c)), key=lambda r: r.resident_id)
    return [r.resident_id for r in hits[:limit]]


def sealed_chain(entries: list[AuditEntry], last: AuditEntry | None) -> list[AuditEntry]:
    """*entries* renumbered after *last* and linked into the chain."""
    out = []
    prev = last
    for e in entries:
        e = attrs.evolve(e, seq=(prev.seq + 1) if prev else 1)
        e = audit_chain.seal(e, prev.hash if prev else audit_chain.GENESIS)
        out.append(e)
        prev = e
    return out


HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    # The store fixture is deliberately shared by the examples of a test: each example adds
    # records with fresh ids and checks properties that hold whatever the store already holds.
    # Each adapter's subclass runs the same test functions (differing executors): a failing
    # example saved for one adapter is a fair example for every other.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)


class StorageContract:
    """Subclass per adapter and implement :meth:`make_store` (and :meth:`reopen`)."""

    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        raise NotImplementedError

    def reopen(self, store: Store) -> Store:
        """The same data seen by a new opening (a new process would see it the same way)."""
        return store

    @pytest.fixture
    def store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
        store = self.make_store(tmp_path, request)
        yield store
        store.close()

    # -- round trips -------------------------------------------------------------------
    @HYPOTHESIS
    @given(data=st.data())
    def test_resident_round_trip_of_every_field(self, store: Store, data: st.DataObject) -> None:
        people = [data.draw(residents()) for _ in range(3)]
        with store.unit_of_work() as uow:
            for r in people:
                uow.residents.put(r)
            uow.commit()
        with store.unit_of_work() as uow:
            for r in people:
                got = uow.residents.get(r.resident_id)
                assert got == r
                assert got is not None and got.my_number == r.my_number

    def test_records_survive_reopening(self, store: Store) -> None:
        person = _person("H-R1")
        household = Household("H-R1", person.resident_id, dt.date(2020, 1, 1))
        move = MovementRecord(
            movement_id=1,
            type="move_in",
            reason_ja="転入",
            occurred_on=dt.date(2020, 1, 1),
            notified_on=dt.date(2020, 1, 2),
            processed_on=dt.date(2020, 1, 2),
            operator_id="op",
            terminal_id="T",
            resident_ids=(person.resident_id,),
            household_ids=("H-R1",),
            notification={"persons": [{"my_number": None}]},
            allocation={},
            secrets={"notification.persons[0].my_number": person.my_number or ""},
        )
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.households.put(household)
            uow.movements.append(move)
            uow.sequences.next("resident")
            uow.code_pool.add(["00000000019"])
            uow.documents.put(
                "note", "k1", {"my_number": person.my_number, "n": 1}, person.resident_id
            )
            uow.commit()
        again = self.reopen(store)
        with again.unit_of_work() as uow:
            assert uow.residents.get(person.resident_id) == person
            assert uow.households.get("H-R1") == household
            assert uow.movements.get(1) == move
            assert uow.movements.get(1).secrets == move.secrets  # type: ignore[union-attr]
            assert uow.sequences.next("resident") == 2
            assert uow.code_pool.remaining() == 1
            assert uow.documents.get("note", "k1") == {"my_number": person.my_number, "n": 1}
        if again is not store:
            again.close()

    @HYPOTHESIS
    @given(data=st.data())
    def test_household_operator_round_trip(self, store: Store, data: st.DataObject) -> None:
        household = data.draw(households())
        operator = data.draw(record_strategy(Operator, operator_id=st.just(fresh_id("op"))))
        with store.unit_of_work() as uow:
            uow.households.put(household)
            uow.operators.put(operator)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.households.get(household.household_id) == household
            assert uow.operators.get(operator.operator_id) == operator
            assert uow.operators.any()

    @HYPOTHESIS
    @given(data=st.data())
    def test_movements_with_secrets_round_trip(self, store: Store, data: st.DataObject) -> None:
        rid = fresh_id("R")
        with store.unit_of_work() as uow:
            first = uow.movements.last_id() + 1
            records = [
                data.draw(movement_records(first + i, (rid, fresh_id("R")) if i else (rid,)))
                for i in range(3)
            ]
            for m in records:
                uow.movements.append(m)
            assert uow.movements.last_id() == first + 2
            uow.commit()
        with store.unit_of_work() as uow:
            for m in records:
                got = uow.movements.get(m.movement_id)
                assert got == m
                assert got is not None and got.secrets == m.secrets
            assert uow.movements.for_resident(rid) == records
            assert uow.movements.last_id() == first + 2
            tail = [m for m in uow.movements.iter_all() if m.movement_id >= first]
            assert tail == records

    # -- versions and conflicts --------------------------------------------------------
    def test_stale_write_raises_conflict_and_loses_nothing(self, store: Store) -> None:
        hid = fresh_id("H")
        with store.unit_of_work() as uow:
            uow.households.put(Household(hid, None, dt.date(2020, 1, 1)))
            uow.commit()
        with store.unit_of_work() as first:
            mine = first.households.get(hid)
            assert mine is not None
            with store.unit_of_work() as second:
                theirs = second.households.get(hid)
                assert theirs is not None
                second.households.put(theirs.bump(head_id="R-THEIRS"))
                second.commit()
            first.households.put(mine.bump(head_id="R-MINE"))
            with pytest.raises(ConflictError) as caught:
                first.commit()
            assert caught.value.code == "KJ-CONFLICT-001"
        with store.unit_of_work() as uow:
            stored = uow.households.get(hid)
            assert stored is not None and stored.head_id == "R-THEIRS" and stored.version == 2
            # the loser retries on what is there now
            uow.households.put(stored.bump(head_id="R-MINE"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.households.get(hid) == Household(
                hid, "R-MINE", dt.date(2020, 1, 1), version=3
            )

    def test_new_record_twice_conflicts(self, store: Store) -> None:
        person = _person("H-X")
        with store.unit_of_work() as first:
            first.residents.put(person)
            with store.unit_of_work() as second:
                second.residents.put(attrs.evolve(person, relationship="妻"))
                second.commit()
            with pytest.raises(ConflictError):
                first.commit()
        with store.unit_of_work() as uow:
            assert uow.residents.get(person.resident_id) == attrs.evolve(person, relationship="妻")

    def test_version_must_be_next(self, store: Store) -> None:
        person = _person("H-V")
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.residents.put(attrs.evolve(person, version=3))
            with pytest.raises(ConflictError):
                uow.commit()
        with store.unit_of_work() as uow:
            assert uow.residents.get(person.resident_id) == person

    # -- rollback ------------------------------------------------------------------------
    def test_rollback_leaves_nothing(self, store: Store) -> None:
        person = _person("H-RB")
        with store.unit_of_work() as uow:
            uow.code_pool.add(["00000000027", "00000000035"])
            uow.commit()
            before_pool = uow.code_pool.remaining()
            before_seq = uow.sequences.next("rb")
            uow.commit()
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.households.put(Household("H-RB", person.resident_id, dt.date(2020, 1, 1)))
            uow.operators.put(_operator("rb-op"))
            uow.documents.put("note", "rb", {"x": 1})
            assert uow.sequences.next("rb") == before_seq + 1
            assert len(uow.code_pool.take(1)) == 1
            last = uow.audit.last()
            uow.audit.append(sealed_chain([_entry("rb-op")], last)[0])
            uow.movements.append(_movement(uow.movements.last_id() + 1, person.resident_id))
            # leaving the block without commit rolls everything back
        with store.unit_of_work() as uow:
            assert uow.residents.get(person.resident_id) is None
            assert uow.households.get("H-RB") is None
            assert uow.operators.get("rb-op") is None
            assert uow.documents.get("note", "rb") is None
            assert uow.audit.search(operator_id="rb-op") == []
            assert uow.movements.for_resident(person.resident_id) == []
            assert uow.code_pool.remaining() == before_pool
            assert uow.sequences.next("rb") == before_seq + 1

    def test_explicit_rollback_then_reuse(self, store: Store) -> None:
        person = _person("H-RU")
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.rollback()
            assert uow.residents.get(person.resident_id) is None
            uow.residents.put(person)
            uow.commit()
            assert uow.residents.get(person.resident_id) == person

    # -- reads inside a unit -----------------------------------------------------------
    def test_reads_see_pending_writes(self, store: Store) -> None:
        hid = fresh_id("H")
        head = _person(hid)
        wife = attrs.evolve(_person(hid), relationship="妻")
        with store.unit_of_work() as uow:
            uow.residents.put(head)
            uow.residents.put(wife)
            uow.households.put(Household(hid, head.resident_id, dt.date(2020, 1, 1)))
            assert uow.residents.get(head.resident_id) == head
            assert uow.households.get(hid) is not None
            assert uow.residents.members(hid) == sorted([head, wife], key=lambda r: r.resident_id)
            assert uow.residents.living_by_resident_code(wife.resident_code) == wife
            assert wife.my_number is not None
            assert uow.residents.living_by_my_number(wife.my_number) == wife
            c = SearchCriteria(family_name=head.name.family_name, birth_date=head.birth_date)
            assert head in uow.residents.search(c, 10)
            ids = [r.resident_id for r in uow.residents.iter_all()]
            assert head.resident_id in ids and ids == sorted(ids)
            uow.commit()
        with store.unit_of_work() as uow:
            # a pending deletion hides the record from living reads at once
            gone = attrs.evolve(
                wife, deletion=Deletion(dt.date(2021, 1, 1), "死亡"), version=wife.version + 1
            )
            uow.residents.put(gone)
            assert [m.resident_id for m in uow.residents.members(hid)] == [head.resident_id]
            assert uow.residents.living_by_resident_code(wife.resident_code) is None
            assert uow.residents.living_by_my_number(wife.my_number) is None

    def test_members_are_living_in_id_order(self, store: Store) -> None:
        hid = fresh_id("H")
        people = [_person(hid) for _ in range(4)]
        people[1] = attrs.evolve(people[1], deletion=Deletion(dt.date(2021, 1, 1), "転出"))
        people[2] = attrs.evolve(people[2], household_id="H-ELSEWHERE")
        with store.unit_of_work() as uow:
            for r in reversed(people):
                uow.residents.put(r)
            uow.commit()
        with store.unit_of_work() as uow:
            got = uow.residents.members(hid)
            assert [r.resident_id for r in got] == [people[0].resident_id, people[3].resident_id]
            moved = attrs.evolve(people[3], household_id="H-ELSEWHERE", version=2)
            uow.residents.put(moved)
            assert [r.resident_id for r in uow.residents.members(hid)] == [people[0].resident_id]

    def test_living_by_codes_ignore_deleted_records(self, store: Store) -> None:
        person = attrs.evolve(_person("H-D"), deletion=Deletion(dt.date(2021, 1, 1), "死亡"))
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.residents.living_by_resident_code(person.resident_code) is None
            assert person.my_number is not None
            assert uow.residents.living_by_my_number(person.my_number) is None
            assert uow.residents.get(person.resident_id) == person

    def test_two_living_residents_never_share_a_code_or_number(self, store: Store) -> None:
        """Whatever a numbering returns, the store refuses a second living holder of a
        住民票コード or 個人番号 with a typed error and writes nothing of the unit; a 除票 keeps
        its numbers without blocking anyone, and a record keeps its own."""
        first = _person("H-U")
        with store.unit_of_work() as uow:
            uow.residents.put(first)
            uow.commit()
        assert first.my_number is not None
        twin_code = attrs.evolve(_person("H-U"), resident_code=first.resident_code)
        twin_number = attrs.evolve(_person("H-U"), my_number=first.my_number)
        pair = [_person("H-U"), _person("H-U")]
        pair[1] = attrs.evolve(pair[1], resident_code=pair[0].resident_code)
        for twin, codes in (
            ([twin_code], {"KJ-CONFLICT-801"}),
            ([twin_number], {"KJ-CONFLICT-802"}),
            (pair, {"KJ-CONFLICT-801"}),
        ):
            bystander = _person("H-U")
            with store.unit_of_work() as uow:
                uow.residents.put(bystander)
                for r in twin:
                    uow.residents.put(r)
                with pytest.raises(ConflictError) as refused:
                    uow.commit()
            assert {p.code for p in refused.value.problems} == codes
            with store.unit_of_work() as uow:
                assert uow.residents.get(bystander.resident_id) is None
                assert all(uow.residents.get(r.resident_id) is None for r in twin)
        # The holder leaves (除票): its numbers free nobody else, but block nobody either.
        gone = attrs.evolve(
            first, version=2, deletion=Deletion(dt.date(2021, 1, 1), "死亡")
        )
        with store.unit_of_work() as uow:
            uow.residents.put(gone)
            uow.residents.put(twin_number)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.residents.living_by_my_number(first.my_number) == twin_number
            # The living holder is rewritten with its own number: no conflict with itself.
            uow.residents.put(attrs.evolve(twin_number, version=2, relationship="妻"))
            uow.commit()
        # Coming back to life (a 取消 of the death) while another holds the number: refused.
        with store.unit_of_work() as uow:
            uow.residents.put(attrs.evolve(gone, version=3, deletion=None))
            with pytest.raises(ConflictError) as refused:
                uow.commit()
        assert refused.value.code == "KJ-CONFLICT-802"

    def test_deleted_records_are_found_by_code_and_by_identity(self, store: Store) -> None:
        """除票 lookups (再転入, 標準4.1.1.2): by 住民票コード, 個人番号, 在留カード番号 and 3情報;
        living records never; several 除票 of one code all, in 宛名番号 order."""
        card = f"XY{next(_ids) % 10**8:08d}ZZ"
        gone = attrs.evolve(
            _person("H-DEL"),
            name=PersonName("ＳＭＩＴＨ", "Ｊｏｈｎ", "すみす", "じょん"),
            kind="foreign",
            japanese=None,
            foreign=ForeignResidentItems(
                nationality="アメリカ合衆国",
                category_30_45="中長期在留者",
                residence_card_number=card,
            ),
            deletion=Deletion(dt.date(2021, 1, 1), "転出"),
        )
        # the record a 帰化 leaves behind shares the codes of the one made from it
        assert gone.foreign is not None
        before = attrs.evolve(
            gone,
            resident_id=fresh_id("R"),
            foreign=attrs.evolve(gone.foreign, residence_card_number=None),
            deletion=Deletion(dt.date(2020, 6, 1), "帰化"),
        )
        alive = _person("H-DEL")
        with store.unit_of_work() as uow:
            for r in (gone, before, alive):
                uow.residents.put(r)
            uow.commit()
        assert gone.my_number is not None and alive.my_number is not None
        both = sorted([gone.resident_id, before.resident_id])
        with store.unit_of_work() as uow:
            rs = uow.residents
            assert [r.resident_id for r in rs.deleted_by_resident_code(gone.resident_code)] == both
            assert [r.resident_id for r in rs.deleted_by_my_number(gone.my_number)] == both
            assert rs.deleted_by_my_number(gone.my_number)[0].my_number == gone.my_number
            assert rs.deleted_by_residence_card_number(card) == [gone]
            assert rs.deleted_by_residence_card_number(card[:-1] + "Q") == []
            # 3情報: names compared folded (full-width letters and spaces as search folds them)
            found = rs.deleted_by_identity("SMITH", "John", "male", dt.date(1980, 4, 1))
            assert [r.resident_id for r in found] == both
            assert rs.deleted_by_identity("SMITH", "John", "female", dt.date(1980, 4, 1)) == []
            assert rs.deleted_by_identity("SMITH", "John", "male", dt.date(1980, 4, 2)) == []
            assert rs.deleted_by_resident_code(alive.resident_code) == []
            assert rs.deleted_by_my_number(alive.my_number) == []
            namesakes = rs.deleted_by_identity("佐藤", "一郎", "male", dt.date(1980, 4, 1))
            assert alive.resident_id not in {r.resident_id for r in namesakes}
            assert all(r.deletion is not None for r in namesakes)
            # pending writes are seen at once: a re-entry takes the 除票 out of the lookups
            back = attrs.evolve(gone, deletion=None, version=gone.version + 1)
            rs.put(back)
            assert rs.deleted_by_resident_code(gone.resident_code) == [before]
            assert rs.deleted_by_residence_card_number(card) == []
            dead = attrs.evolve(
                alive, deletion=Deletion(dt.date(2021, 2, 1), "死亡"), version=alive.version + 1
            )
            rs.put(dead)
            assert rs.deleted_by_my_number(alive.my_number) == [dead]
            found = rs.deleted_by_identity("佐藤", "一郎", "male", dt.date(1980, 4, 1))
            assert dead in found

    def test_count_and_iter_all(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            base_all, base_living = uow.residents.count(), uow.residents.count(living_only=True)
        alive, dead = (
            _person("H-C1"),
            attrs.evolve(_person("H-C1"), deletion=Deletion(dt.date(2021, 1, 1), "死亡")),
        )
        with store.unit_of_work() as uow:
            uow.residents.put(alive)
            uow.residents.put(dead)
            assert uow.residents.count() == base_all + 2
            assert uow.residents.count(living_only=True) == base_living + 1
            uow.commit()
        with store.unit_of_work() as uow:
            uow.residents.put(
                attrs.evolve(alive, deletion=Deletion(dt.date(2022, 1, 1), "死亡"), version=2)
            )
            assert uow.residents.count(living_only=True) == base_living
            assert uow.residents.count() == base_all + 2
            listed = list(uow.residents.iter_all())
            assert [r.resident_id for r in listed] == sorted(r.resident_id for r in listed)
            assert len(listed) == base_all + 2

    # -- search ------------------------------------------------------------------------
    @HYPOTHESIS
    @given(data=st.data())
    def test_search_agrees_with_matches(self, store: Store, data: st.DataObject) -> None:
        stored = [data.draw(residents()) for _ in range(data.draw(st.integers(0, 8)))]
        with store.unit_of_work() as uow:
            for r in stored:
                uow.residents.put(r)
            uow.commit()
        pending = [data.draw(residents()) for _ in range(data.draw(st.integers(0, 2)))]
        with store.unit_of_work() as uow:
            for r in pending:
                uow.residents.put(r)
            everyone = list(uow.residents.iter_all())
            for _ in range(3):
                c = data.draw(criteria(stored + pending))
                limit = data.draw(st.integers(1, 12))
                got = [r.resident_id for r in uow.residents.search(c, limit)]
                assert got == expected_search(everyone, c, limit), c

    def test_search_by_my_number_through_the_index(self, store: Store) -> None:
        person = _person("H-MN")
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.commit()
        with store.unit_of_work() as uow:
            found = uow.residents.search(SearchCriteria(my_number=person.my_number), 5)
            assert found == [person]
            other = unique_codes()[1]
            assert uow.residents.search(SearchCriteria(my_number=other), 5) == []

    def test_search_by_my_number_includes_deleted_records_only_when_asked(
        self, store: Store
    ) -> None:
        person = attrs.evolve(_person("H-MD"), deletion=Deletion(dt.date(2021, 1, 1), "転出"))
        with store.unit_of_work() as uow:
            uow.residents.put(person)
            uow.commit()
        with store.unit_of_work() as uow:
            c = SearchCriteria(my_number=person.my_number)
            assert uow.residents.search(c, 5) == []
            everyone = list(uow.residents.iter_all())
            c = attrs.evolve(c, include_deleted=True)
            assert (
                [r.resident_id for r in uow.residents.search(c, 5)]
                == expected_search(everyone, c, 5)
                == [person.resident_id]
            )

    # -- audit log -----------------------------------------------------------------------
    @HYPOTHESIS
    @given(data=st.data())
    def test_audit_append_last_iter_search(self, store: Store, data: st.DataObject) -> None:
        op, subject = fresh_id("op"), fresh_id("R")
        with store.unit_of_work() as uow:
            last = uow.audit.last()
            first = sealed_chain([data.draw(audit_entries(op, (subject,))) for _ in range(2)], last)
            for e in first:
                uow.audit.append(e)
            assert uow.audit.last() == first[-1]
            uow.commit()
        with store.unit_of_work() as uow:
            second = sealed_chain(
                [
                    data.draw(audit_entries(op, ())),
                    data.draw(audit_entries("other", (subject, subject))),
                ],
                uow.audit.last(),
            )
            for e in second:
                uow.audit.append(e)
            assert uow.audit.search(operator_id=op)[-3:] == [*first, second[0]]
            uow.commit()
        with store.unit_of_work() as uow:
            everything = list(uow.audit.iter_all())
            assert everything[-4:] == [*first, *second]
            assert [e.seq for e in everything] == list(range(1, len(everything) + 1))
            assert audit_chain.verify_chain(everything).ok
            assert uow.audit.last() == second[-1]
            assert uow.audit.search(subject_id=subject) == [*first, second[1]]
            assert uow.audit.search(subject_id=subject, operator_id=op) == first
            assert uow.audit.search(operator_id=op) == [*first, second[0]]

    # -- counters and the code pool ----------------------------------------------------
    def test_sequences_count_from_one_per_name(self, store: Store) -> None:
        a, b = fresh_id("seq"), fresh_id("seq")
        with store.unit_of_work() as uow:
            assert [uow.sequences.next(a) for _ in range(3)] == [1, 2, 3]
            assert uow.sequences.next(b) == 1
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.sequences.next(a) == 4
        with store.unit_of_work() as uow:
            assert uow.sequences.next(a) == 4  # the unit above was not committed

    def test_code_pool_is_first_in_first_out(self, store: Store) -> None:
        codes = [unique_codes()[0] for _ in range(5)]
        with store.unit_of_work() as uow:
            start = uow.code_pool.remaining()
            taken_before = uow.code_pool.take(start)
            uow.code_pool.add(codes[:3])
            uow.code_pool.add(codes[3:])
            assert uow.code_pool.remaining() == 5
            uow.commit()
        assert len(taken_before) == start
        with store.unit_of_work() as uow:
            assert uow.code_pool.take(2) == codes[:2]
            assert uow.code_pool.remaining() == 3
        with store.unit_of_work() as uow:
            assert uow.code_pool.remaining() == 5  # rolled back
            assert uow.code_pool.take(10) == codes
            assert uow.code_pool.take(1) == []
            uow.code_pool.add(["00000000043"])
            assert uow.code_pool.take(3) == ["00000000043"]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.code_pool.remaining() == 0

    # -- operators and documents ---------------------------------------------------------
    def test_operators_replace_and_list_in_order(self, store: Store) -> None:
        ids = sorted(fresh_id("op") for _ in range(3))
        with store.unit_of_work() as uow:
            for oid in reversed(ids):
                uow.operators.put(_operator(oid))
            uow.commit()
        with store.unit_of_work() as uow:
            changed = attrs.evolve(_operator(ids[1]), active=False, version=2)
            uow.operators.put(changed)
            listed = [o for o in uow.operators.iter_all() if o.operator_id in ids]
            assert [o.operator_id for o in listed] == ids
            assert listed[1] == changed
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.operators.get(ids[1]) == changed

    def test_documents_by_key_subject_and_kind(self, store: Store) -> None:
        kind = fresh_id("kind")
        number = unique_codes()[1]
        with store.unit_of_work() as uow:
            uow.documents.put(kind, "b", {"n": 2, "my_numbers": [number, None]}, "R1")
            uow.documents.put(kind, "a", {"n": 1, "nested": {"my_number": number}}, "R1")
            uow.documents.put(kind, "c", {"n": 3}, "R2")
            assert [d["n"] for d in uow.documents.by_subject(kind, "R1")] == [1, 2]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.documents.get(kind, "a") == {"n": 1, "nested": {"my_number": number}}
            assert uow.documents.get(kind, "b") == {"n": 2, "my_numbers": [number, None]}
            uow.documents.put(kind, "a", {"n": 10}, "R2")
            assert [d["n"] for d in uow.documents.by_subject(kind, "R1")] == [2]
            assert [d["n"] for d in uow.documents.by_subject(kind, "R2")] == [10, 3]
            assert [d["n"] for d in uow.documents.iter_kind(kind)] == [10, 2, 3]
            got = uow.documents.get(kind, "c")
            assert got is not None
            got["n"] = 99  # a returned document is a copy
            assert uow.documents.get(kind, "c") == {"n": 3}
            uow.commit()
        with store.unit_of_work() as uow:
            assert [d["n"] for d in uow.documents.iter_kind(kind)] == [10, 2, 3]
            assert uow.documents.get(kind, "missing") is None


def _person(household_id: str) -> Resident:
    code, number = unique_codes()
    return Resident(
        resident_id=fresh_id("R"),
        household_id=household_id,
        resident_code=code,
        my_number=number,
        name=PersonName("佐藤", "一郎", "さとう", "いちろう"),
        birth_date=dt.date(1980, 4, 1),
        sex="male",
        relationship="世帯主",
        kind="japanese",
        address=Address("737-0045", "広島県呉市中央四丁目1番"),
        address_since=dt.date(2020, 1, 1),
        address_notified_on=dt.date(2020, 1, 2),
        became_resident_on=dt.date(2020, 1, 1),
        became_resident_reason="転入",
        previous_address=OtherPlace("東京都千代田区", municipality_code="131016"),
    )


def _operator(operator_id: str) -> Operator:
    return Operator(
        operator_id=operator_id,
        role="clerk",
        password_hash="$argon2id$synthetic",
        created_at=dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST),
        hidden_items=frozenset({"my_number"}),
    )


def _entry(operator_id: str) -> AuditEntry:
    return AuditEntry(
        seq=0,
        at="2026-11-26T10:00:00+09:00",
        operator_id=operator_id,
        terminal_id="T",
        purpose="resident_records",
        operation="read",
    )


def _movement(movement_id: int, resident_id: str) -> MovementRecord:
    return MovementRecord(
        movement_id=movement_id,
        type="death",
        reason_ja="死亡",
        occurred_on=dt.date(2021, 1, 1),
        notified_on=dt.date(2021, 1, 2),
        processed_on=dt.date(2021, 1, 2),
        operator_id="op",
        terminal_id="T",
        resident_ids=(resident_id,),
        household_ids=(),
        notification={},
        allocation={},
    )
