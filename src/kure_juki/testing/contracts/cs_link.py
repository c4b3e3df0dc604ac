"""The contract of the CS link port (``kure_juki.ports.cs_link``): every link (the library's
:class:`~kure_juki.adapters.cs.link.CsClient` in process or over TCP, a vendor's own) must pass
this suite unchanged.

Subclass :class:`CsLinkContract` once per link and implement ``make_network``: peers (都道府県
サーバー, 全国サーバー, J-LIS, the exchange between CSs) that know the municipalities of
:attr:`CsLinkContract.MUNICIPALITIES` and hold nothing yet, and a function giving each
municipality's link to them::

    class TestMyLink(CsLinkContract):
        def make_network(self, request):
            peers = start_test_peers(self.MUNICIPALITIES)
            request.addfinalizer(peers.stop)
            return lambda code: MyLink(peers, code)

The suite observes the peers only through the port. The properties, each a test below: every
message of the port round-trips through its peer; identity updates are applied once, in
更新順番号 order, after the CS checks, and refusals come back as :class:`PeerRefused` with the
peer's code (KJ-LINK-019 with the number expected, KJ-LINK-020, KJ-LOGIC-…, KJ-LINK-018 for a
sender acting for another municipality); the prefecture's copy reads back page by page for any
range and page size, and its digests agree with :mod:`kure_juki.domain.identity_file` for any
bounds (generated), moving only where the copy changed; digest requests out of bounds are
refused (KJ-LINK-015); a four-item query needs two of 氏名, 住所, 生年月日 (KJ-ACCESS-002); 個人番号
for births are valid, distinct and stable; a 転出証明書情報 is for its destination only
(KJ-LINK-026) and can be withdrawn; 転入通知 wait until acknowledged; one link takes calls from
two threads at once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    DeliveryInfoNotice,
    IdentityUpdate,
    MoveInNotice,
    MoveOutCertificate,
    MoveOutCertificateWithdrawal,
    NoticeAck,
    PeerRefused,
    QueryByFourItems,
    QueryByMyNumber,
    QueryByResidentCode,
)
from kure_juki.domain.errors import AccessDenied, LinkError
from kure_juki.domain.identifiers import is_valid_my_number
from kure_juki.domain.identity_file import (
    IdentityRecord,
    RangeDigest,
    fingerprint,
    range_digest,
)
from kure_juki.ports.cs_link import CsLink
from kure_juki.testing.cs import identity_record, updated

__all__ = ["CsLinkContract", "LinkFactory", "certificate_for", "update"]

KURE, HIROSHIMA, FUKUYAMA = "342025", "341002", "342076"
KEY = bytes(range(100, 116))

LinkFactory = Callable[[str], CsLink]

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    # The peers of a test are set up once and only read by its examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)


def update(reason: str, record: IdentityRecord) -> IdentityUpdate:
    return IdentityUpdate(record.municipality_code, reason, record)


def certificate_for(record: IdentityRecord, destination: str) -> MoveOutCertificate:
    """The 転出証明書情報 of ``record``'s person, moving to ``destination``."""
    return MoveOutCertificate(
        certificate_number="M-0001",
        from_municipality_code=record.municipality_code,
        destination_municipality_code=destination,
        destination_address="広島県広島市中区基町10番52号",
        planned_move_on=dt.date(2026, 12, 1),
        issued_on=dt.date(2026, 11, 26),
        resident_code=record.resident_code,
        my_number=record.my_number,
        name_kanji=record.name_kanji,
        name_kana=record.name_kana,
        birth_date=record.birth_date,
        sex=record.sex,
        postal_code=record.postal_code,
        address=record.address,
        head_of_household=record.name_kanji,
        relationship="世帯主",
        registered_domicile="広島県呉市中央四丁目1番",
        domicile_head=record.name_kanji,
    )


def by_code(records: list[IdentityRecord]) -> list[IdentityRecord]:
    return sorted(records, key=lambda r: r.resident_code)


def send_new(link: CsLink, people: range) -> list[IdentityRecord]:
    """A 転入 of each person, in 更新順番号 order from 1; their records in 住民票コード order."""
    records = [identity_record(n, update_sequence=i) for i, n in enumerate(people, start=1)]
    for record in records:
        assert link.send_identity_update(update("転入", record)).status == "applied"
    return by_code(records)


def within(
    records: list[IdentityRecord], after: str | None, through: str | None
) -> list[IdentityRecord]:
    return [
        r
        for r in records
        if (after is None or r.resident_code > after)
        and (through is None or r.resident_code <= through)
    ]


def expected_digests(
    records: list[IdentityRecord],
    key: bytes,
    after: str | None,
    bounds: list[str],
    to_end: bool,
) -> tuple[RangeDigest, ...]:
    """What the port promises, computed here from the records the peer was sent."""
    edges: list[str | None] = [*bounds, *([None] if to_end else [])]
    lows: list[str | None] = [after, *bounds]
    return tuple(
        range_digest(key, [fingerprint(r) for r in within(records, low, high)])
        for low, high in zip(lows, edges, strict=False)
    )


class CsLinkContract:
    """Subclass per link and implement :meth:`make_network`."""

    #: The municipalities the peers know: a link's own, a destination, and a third party.
    MUNICIPALITIES: ClassVar[tuple[str, str, str]] = (KURE, HIROSHIMA, FUKUYAMA)

    def make_network(self, request: pytest.FixtureRequest) -> LinkFactory:
        """Fresh peers knowing :attr:`MUNICIPALITIES`; returns ``code -> link``. Links that
        have a ``close()`` are closed after the test; stop the peers with
        ``request.addfinalizer``."""
        raise NotImplementedError

    @pytest.fixture
    def link_to(self, request: pytest.FixtureRequest) -> Iterator[LinkFactory]:
        make = self.make_network(request)
        opened: list[CsLink] = []

        def link(code: str) -> CsLink:
            opened.append(make(code))
            return opened[-1]

        yield link
        for each in opened:
            close = getattr(each, "close", None)
            if callable(close):
                close()

    @pytest.fixture
    def loaded(self, link_to: LinkFactory) -> tuple[CsLink, list[IdentityRecord]]:
        """Kure's link, and the 25 records its prefecture copy holds, in 住民票コード order."""
        link = link_to(KURE)
        return link, send_new(link, range(1, 26))

    # -- 都道府県サーバー: 本人確認情報の更新 -----------------------------------------------------
    def test_a_link_implements_the_port_for_its_municipality(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        assert isinstance(link, CsLink)
        assert link.municipality_code == KURE

    def test_updates_are_applied_and_their_records_kept(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        record = identity_record(1)
        ack = link.send_identity_update(update("転入", record))
        assert (ack.update_sequence, ack.status) == (1, "applied")
        moved = updated(record, "転居", 2, address="広島県呉市中央4丁目1番1号")
        assert link.send_identity_update(update("転居", moved)).status == "applied"
        assert list(link.reconciliation_records()) == [moved]
        assert link.query_identity(QueryByResidentCode(record.resident_code)) == (moved,)

    def test_updates_are_applied_once_and_acknowledged_again(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        first = update("転入", identity_record(1))
        assert link.send_identity_update(first).status == "applied"
        assert link.send_identity_update(first).status == "duplicate"
        different = update("転入", identity_record(2, update_sequence=1))
        with pytest.raises(PeerRefused) as refused:
            link.send_identity_update(different)
        assert refused.value.peer_codes == ("KJ-LINK-020",)
        # applied once: the stream waits for number 2, and the copy holds the first record
        with pytest.raises(PeerRefused) as ahead:
            link.send_identity_update(update("転入", identity_record(3, update_sequence=3)))
        assert ahead.value.expected_sequence == 2
        assert list(link.reconciliation_records()) == [first.record]

    def test_a_gap_is_refused_with_the_expected_number(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        link.send_identity_update(update("転入", identity_record(1)))
        with pytest.raises(PeerRefused) as refused:
            link.send_identity_update(update("転入", identity_record(2, update_sequence=3)))
        assert refused.value.code == "KJ-LINK-011"
        assert refused.value.peer_codes == ("KJ-LINK-019",)
        assert refused.value.expected_sequence == 2
        ack = link.send_identity_update(update("転入", identity_record(2, update_sequence=2)))
        assert (ack.update_sequence, ack.status) == (2, "applied")

    def test_the_prefecture_applies_the_cs_checks(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        record = identity_record(1)
        link.send_identity_update(update("転入", record))
        again = update("転入", updated(record, "転入", 2))
        with pytest.raises(PeerRefused) as refused:
            link.send_identity_update(again)
        assert refused.value.peer_codes == ("KJ-LOGIC-001",)
        # A refused update uses up its number; resending it gets the same answer.
        with pytest.raises(PeerRefused) as resent:
            link.send_identity_update(again)
        assert resent.value.peer_codes == ("KJ-LOGIC-001",)
        renamed = updated(record, "転居", 3, address="呉市中央1丁目", name_kanji="佐藤　改")
        with pytest.raises(PeerRefused) as moved:
            link.send_identity_update(update("転居", renamed))
        assert ("KJ-LOGIC-003", "name_kanji") in {(p.code, p.item) for p in moved.value.problems}
        bad = attrs.evolve(updated(record, "職権修正", 4), my_number="123456789012")
        with pytest.raises(PeerRefused) as malformed:
            link.send_identity_update(update("職権修正", bad))
        assert "KJ-FMT-005" in malformed.value.peer_codes
        assert list(link.reconciliation_records()) == [record]

    def test_a_cs_may_act_only_for_its_own_municipality(self, link_to: LinkFactory) -> None:
        with pytest.raises(PeerRefused) as refused:
            link_to(KURE).send_identity_update(
                update("転入", identity_record(1, municipality_code=HIROSHIMA))
            )
        assert refused.value.peer_codes == ("KJ-LINK-018",)

    # -- 都道府県サーバー: 整合性確認 ------------------------------------------------------------
    @HYPOTHESIS
    @given(data=st.data())
    def test_the_copy_reads_back_for_any_range_and_page_size(
        self, loaded: tuple[CsLink, list[IdentityRecord]], data: st.DataObject
    ) -> None:
        link, records = loaded
        # bounds on the records' codes and between them (codes of people never sent)
        codes = [r.resident_code for r in records]
        others = [identity_record(n).resident_code for n in range(900, 905)]
        bound = st.none() | st.sampled_from(codes + others)
        after, through = data.draw(bound, label="after"), data.draw(bound, label="through")
        if after is not None and through is not None and after > through:
            after, through = through, after
        page_size = data.draw(st.integers(1, 30), label="page_size")
        fetched = list(link.reconciliation_records(page_size=page_size, after=after,
                                                   through=through))  # fmt: skip
        assert fetched == within(records, after, through)

    @HYPOTHESIS
    @given(data=st.data())
    def test_digests_agree_with_the_copy_for_any_bounds(
        self, loaded: tuple[CsLink, list[IdentityRecord]], data: st.DataObject
    ) -> None:
        link, records = loaded
        pool = sorted(
            {r.resident_code for r in records}
            | {identity_record(n).resident_code for n in range(900, 905)}
        )
        chosen = data.draw(st.lists(st.sampled_from(pool), unique=True, max_size=8))
        bounds = sorted(chosen)
        below = [c for c in pool if not bounds or c < bounds[0]]
        after = data.draw(st.none() | st.sampled_from(below) if below else st.none())
        to_end = data.draw(st.booleans(), label="to_end")
        if not bounds and not to_end:
            to_end = True  # no range at all is not a question
        key = data.draw(st.sampled_from([KEY, bytes(16), bytes(range(64))]), label="key")
        got = link.reconciliation_digests(key, after, bounds, to_end=to_end)
        assert got == expected_digests(records, key, after, bounds, to_end)
        if len(bounds) > 1:  # asked in two batches, as the register does
            cut = data.draw(st.integers(1, len(bounds) - 1), label="cut")
            first = link.reconciliation_digests(key, after, bounds[:cut])
            rest = link.reconciliation_digests(key, bounds[cut - 1], bounds[cut:], to_end=to_end)
            assert first + rest == got

    def test_digests_move_only_where_the_copy_changed(
        self, loaded: tuple[CsLink, list[IdentityRecord]]
    ) -> None:
        link, records = loaded
        bounds = [records[i].resident_code for i in range(3, 25, 4)]  # ranges of 4 records
        before = link.reconciliation_digests(KEY, None, bounds, to_end=True)
        other_key = link.reconciliation_digests(bytes(16), None, bounds, to_end=True)
        assert [a.count for a in other_key] == [b.count for b in before]
        assert all(a.digest != b.digest for a, b in zip(other_key, before, strict=True))

        moved = updated(records[9], "転居", 26, address="広島県呉市宝町1番")
        link.send_identity_update(update("転居", moved))
        newcomer = identity_record(900, update_sequence=27)
        link.send_identity_update(update("転入", newcomer))
        after = link.reconciliation_digests(KEY, None, bounds, to_end=True)

        def where(code: str) -> int:
            return next((i for i, b in enumerate(bounds) if code <= b), len(bounds))

        changed = {i for i, (a, b) in enumerate(zip(after, before, strict=True)) if a != b}
        assert changed == {where(moved.resident_code), where(newcomer.resident_code)}
        assert after[where(newcomer.resident_code)].count == (
            before[where(newcomer.resident_code)].count + 1
        )

    @pytest.mark.parametrize(
        ("key", "after", "bounds", "item"),
        [
            pytest.param(KEY[:15], None, ["1"], "key", id="short key"),
            pytest.param(KEY * 5, None, ["1"], "key", id="long key"),
            pytest.param(KEY, None, ["2", "1"], "bounds", id="descending"),
            pytest.param(KEY, "1", ["1", "2"], "bounds", id="not after"),
            pytest.param(  # and the open range makes one more than allowed
                KEY, None, [f"{i:011d}" for i in range(10_000)], "bounds", id="too many"
            ),
        ],
    )
    def test_a_digest_request_out_of_bounds_is_refused(
        self,
        link_to: LinkFactory,
        key: bytes,
        after: str | None,
        bounds: list[str],
        item: str,
    ) -> None:
        with pytest.raises(LinkError) as refused:
            link_to(KURE).reconciliation_digests(key, after, bounds, to_end=True)
        assert (refused.value.code, refused.value.item) == ("KJ-LINK-015", item)

    def test_a_link_takes_calls_from_two_threads_at_once(
        self, loaded: tuple[CsLink, list[IdentityRecord]]
    ) -> None:
        """整合性確認 asks for digests from a worker thread while it reads records."""
        link, records = loaded
        bounds = [records[i].resident_code for i in range(4, 25, 5)]
        digests = expected_digests(records, KEY, None, bounds, True)
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def digesting() -> None:
            try:
                start.wait()
                for _ in range(8):
                    assert link.reconciliation_digests(KEY, None, bounds, to_end=True) == digests
            except BaseException as error:  # collected for the main thread
                errors.append(error)

        def reading() -> None:
            try:
                start.wait()
                for _ in range(3):
                    assert list(link.reconciliation_records(page_size=3)) == records
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=digesting), threading.Thread(target=reading)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

    # -- 全国サーバー -----------------------------------------------------------------------------
    def test_my_numbers_for_births_are_valid_distinct_and_stable(
        self, link_to: LinkFactory
    ) -> None:
        link = link_to(KURE)
        codes = [identity_record(n).resident_code for n in range(100, 110)]
        numbers = [link.request_my_number(code, f"REQ-{i}") for i, code in enumerate(codes)]
        assert all(is_valid_my_number(n) for n in numbers) and len(set(numbers)) == len(numbers)
        assert link.request_my_number(codes[0], "REQ-again") == numbers[0]

    def test_identity_queries(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        record = identity_record(1)
        link.send_identity_update(update("転入", record))
        assert link.query_identity(QueryByResidentCode(record.resident_code)) == (record,)
        assert link.query_identity(QueryByMyNumber(record.my_number)) == (record,)
        by_items = QueryByFourItems(name=record.name_kana, birth_date=record.birth_date)
        assert link.query_identity(by_items) == (record,)
        assert link.query_identity(attrs.evolve(by_items, sex="female")) == ()
        other = identity_record(2).resident_code
        assert link.query_identity(QueryByResidentCode(other)) == ()

    def test_a_four_item_query_needs_two_of_name_address_and_birth_date(
        self, link_to: LinkFactory
    ) -> None:
        with pytest.raises(AccessDenied) as refused:
            link_to(KURE).query_identity(QueryByFourItems(name="佐藤", sex="male"))
        assert refused.value.code == "KJ-ACCESS-002"

    def test_the_national_copy_follows_a_move_between_municipalities(
        self, link_to: LinkFactory
    ) -> None:
        kure, hiroshima = link_to(KURE), link_to(HIROSHIMA)
        in_kure = identity_record(1)
        kure.send_identity_update(update("転入", in_kure))
        planned = updated(in_kure, "転出", 2, planned=True)
        kure.send_identity_update(update("転出", planned))
        in_hiroshima = updated(
            in_kure, "転入", 1, municipality_code=HIROSHIMA, address="広島県広島市中区基町10番52号"
        )
        hiroshima.send_identity_update(update("転入", in_hiroshima))
        # The former municipality's 消除 arrives last, as it does after a 転入通知.
        deleted = updated(planned, "転出", 3, planned=False, record_state="deleted")
        kure.send_identity_update(update("転出", deleted))
        code = QueryByResidentCode(in_kure.resident_code)
        assert kure.query_identity(code) == (in_hiroshima,)
        assert hiroshima.query_identity(QueryByMyNumber(in_kure.my_number)) == (in_hiroshima,)

    # -- J-LIS (個人番号カード管理システム) --------------------------------------------------------
    def test_delivery_info_is_taken_unedited_once(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        notice = DeliveryInfoNotice.build(KURE, "D-0001", '{"送付先郵便番号":"737-0045"}')
        assert link.send_delivery_info(notice) == NoticeAck("D-0001", "applied")
        assert link.send_delivery_info(notice).status == "duplicate"
        edited = attrs.evolve(
            notice, delivery_number="D-0002", content='{"送付先郵便番号":"737-0046"}'
        )
        with pytest.raises(PeerRefused) as refused:
            link.send_delivery_info(edited)
        assert refused.value.peer_codes == ("KJ-LINK-023",)

    def test_card_status_is_recorded_and_answered(self, link_to: LinkFactory) -> None:
        link = link_to(KURE)
        code = identity_record(1).resident_code
        assert link.card_status(code) is None
        issued = CardStatusNotice(
            notice_number="C-1",
            municipality_code=KURE,
            resident_code=code,
            card_kind="my_number_card",
            status="issued",
            changed_on=dt.date(2026, 11, 20),
        )
        suspended = attrs.evolve(issued, notice_number="C-2", status="suspended")
        assert link.send_card_status(issued).status == "applied"
        assert link.send_card_status(suspended).status == "applied"
        assert link.send_card_status(issued).status == "duplicate"
        assert link.card_status(code) == suspended

    # -- 市町村CS間 ---------------------------------------------------------------------------
    def test_a_move_out_certificate_is_for_its_destination_only(self, link_to: LinkFactory) -> None:
        kure, hiroshima, fukuyama = link_to(KURE), link_to(HIROSHIMA), link_to(FUKUYAMA)
        record = identity_record(1)
        with pytest.raises(PeerRefused) as none_yet:
            hiroshima.fetch_move_out_certificate(record.resident_code, HIROSHIMA)
        assert none_yet.value.peer_codes == ("KJ-LINK-026",)
        certificate = certificate_for(record, HIROSHIMA)
        assert kure.publish_move_out_certificate(certificate).status == "applied"
        assert kure.publish_move_out_certificate(certificate).status == "duplicate"
        with pytest.raises(PeerRefused) as elsewhere:  # only the destination may read it
            fukuyama.fetch_move_out_certificate(record.resident_code, FUKUYAMA)
        assert elsewhere.value.peer_codes == ("KJ-LINK-026",)
        with pytest.raises(PeerRefused) as posing:  # nor ask in another municipality's name
            fukuyama.fetch_move_out_certificate(record.resident_code, HIROSHIMA)
        assert posing.value.peer_codes == ("KJ-LINK-018",)
        assert hiroshima.fetch_move_out_certificate(record.resident_code, HIROSHIMA) == (
            certificate
        )

    def test_a_withdrawn_certificate_is_gone(self, link_to: LinkFactory) -> None:
        kure, hiroshima, fukuyama = link_to(KURE), link_to(HIROSHIMA), link_to(FUKUYAMA)
        record = identity_record(1)
        certificate = certificate_for(record, HIROSHIMA)
        kure.publish_move_out_certificate(certificate)
        withdrawal = MoveOutCertificateWithdrawal("W-0001", KURE, record.resident_code)
        with pytest.raises(PeerRefused) as posing:  # only its publisher takes it back
            fukuyama.withdraw_move_out_certificate(withdrawal)
        assert posing.value.peer_codes == ("KJ-LINK-018",)
        others = MoveOutCertificateWithdrawal("W-0001", FUKUYAMA, record.resident_code)
        fukuyama.withdraw_move_out_certificate(others)  # not the publisher: nothing withdrawn
        assert hiroshima.fetch_move_out_certificate(record.resident_code, HIROSHIMA) == (
            certificate
        )
        assert kure.withdraw_move_out_certificate(withdrawal).status == "applied"
        assert kure.withdraw_move_out_certificate(withdrawal).status == "duplicate"
        with pytest.raises(PeerRefused) as gone:  # as for one that never existed
            hiroshima.fetch_move_out_certificate(record.resident_code, HIROSHIMA)
        assert gone.value.peer_codes == ("KJ-LINK-026",)
        never = MoveOutCertificateWithdrawal("W-0002", KURE, identity_record(2).resident_code)
        assert kure.withdraw_move_out_certificate(never).status == "applied"

    def test_move_in_notices_wait_until_acknowledged(self, link_to: LinkFactory) -> None:
        kure, hiroshima = link_to(KURE), link_to(HIROSHIMA)
        record = identity_record(1)
        kure.publish_move_out_certificate(certificate_for(record, HIROSHIMA))
        notice = MoveInNotice(
            notice_number=f"{HIROSHIMA}-0001",
            from_municipality_code=HIROSHIMA,
            to_municipality_code=KURE,
            resident_code=record.resident_code,
            name_kanji=record.name_kanji,
            name_kana=record.name_kana,
            birth_date=record.birth_date,
            sex=record.sex,
            new_postal_code="730-0011",
            new_address="広島県広島市中区基町10番52号",
            moved_in_on=dt.date(2026, 12, 1),
            notified_on=dt.date(2026, 12, 2),
        )
        assert kure.pending_move_in_notices() == ()
        assert hiroshima.send_move_in_notice(notice).status == "applied"
        assert hiroshima.send_move_in_notice(notice).status == "duplicate"
        assert kure.pending_move_in_notices() == (notice,)
        assert kure.pending_move_in_notices() == (notice,)  # kept until acknowledged
        assert hiroshima.pending_move_in_notices() == ()  # addressed to Kure only
        other = identity_record(2)
        later = attrs.evolve(
            notice,
            notice_number=f"{FUKUYAMA}-0001",
            from_municipality_code=FUKUYAMA,
            resident_code=other.resident_code,
            name_kanji=other.name_kanji,
            name_kana=other.name_kana,
            birth_date=other.birth_date,
            sex=other.sex,
        )
        assert link_to(FUKUYAMA).send_move_in_notice(later).status == "applied"
        assert kure.pending_move_in_notices() == (notice, later)  # oldest first
        assert kure.pending_move_in_notices(limit=1) == (notice,)
        assert kure.acknowledge_move_in_notice(notice.notice_number).status == "applied"
        assert kure.acknowledge_move_in_notice(notice.notice_number).status == "duplicate"
        assert kure.pending_move_in_notices() == (later,)
        with pytest.raises(PeerRefused):  # the certificate was withdrawn once used
            hiroshima.fetch_move_out_certificate(record.resident_code, HIROSHIMA)
