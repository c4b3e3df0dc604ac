"""Issuing certificates at the counter (証明書の交付): checked, built, printed, signed, recorded.

``issue_certificate`` decides nothing about the wording (the domain builders do) nor about the
layout (the printers do). It checks what is asked against the policy, reads the records in one
unit of work, takes the next issue number, prints, and stores the issuance history
(証明書発行履歴) with its audit entry in that same unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from kure_juki.domain.certificate_document import CertificateDocument, CertificateKind
from kure_juki.domain.certificates import (
    LAYOUTS,
    CertificateRequest,
    PersonRecord,
    SealImpression,
    build_certificate,
    format_serial,
    parse_include,
    policy_items,
)
from kure_juki.domain.certificates import items as it
from kure_juki.domain.certificates.common import (
    CERTIFIERS,
    OFFICIAL_SEALS,
    Certifier,
    OfficialSeal,
)
from kure_juki.domain.certificates.member_order import member_order
from kure_juki.domain.certificates.serial import issue_number
from kure_juki.domain.errors import (
    AccessDenied,
    FormatError,
    LogicError,
    NotFound,
    Problem,
    problem,
)
from kure_juki.domain.resident import Resident
from kure_juki.domain.support_measures import protected_today
from kure_juki.ports.printer import Substitution
from kure_juki.ports.storage import UnitOfWork
from kure_juki.service.registry_certificates import (
    FORMATS,
    ISSUANCE_KIND,
    ISSUANCE_SUBJECT_KIND,
    MEMBER_ORDER_KIND,
    certificate_settings,
    check_setting,
    joined_at,
    municipality,
    printer_for,
)
from kure_juki.service.session_base import SessionBase, load_measures
from kure_juki.service.session_seals import seal_for_certificate


@attrs.frozen
class Certificate:  # 交付した証明書
    serial: str  # 発行番号
    kind: str  # the kind issued (tenshutsu may become tenshutsu_junzuru)
    content: bytes = attrs.field(repr=False)  # the issued file, signed
    media_type: str
    pages: int
    substitutions: tuple[Substitution, ...]  # 代替文字
    resident_ids: tuple[str, ...]  # for whom
    items: tuple[str, ...]  # the switchable items printed (names as in ``include``)
    format: str
    document: CertificateDocument = attrs.field(repr=False, eq=False)  # what it says
    warnings: tuple[Problem, ...] = ()  # alerts to check (抑止のアラート, 支援措置の注意)
    issue_number: str = ""  # 発行番号 as printed (標準5.5), without the page


    @property
    def text(self) -> str:
        """The content as text (format "text" only)."""
        return self.content.decode("utf-8")


@attrs.frozen
class _Ask:  # a parsed request
    kind: CertificateKind
    switches: frozenset[str]
    fmt: str
    layout: str
    resident_ids: tuple[str, ...] | None
    household_id: str | None
    requester: str | None
    area: str | None
    frame: _Frame


@attrs.frozen
class _Frame:  # 認証者・公印・固定文言・フリガナ・プリンタ (標準5.3, 5.5, 5.6)
    certifier: Certifier = "mayor"
    official_seal: OfficialSeal = "certifier"
    phrases: tuple[str, ...] = ()
    readings: bool = True
    printer_id: str | None = None

    @staticmethod
    def parse(certifier: Any, seal: Any, phrases: Any, readings: Any, printer: Any) -> _Frame:
        found: list[Problem] = []
        if certifier not in CERTIFIERS:
            found.append(problem("KJ-CERT-702", "certifier"))
        if seal not in OFFICIAL_SEALS:
            found.append(problem("KJ-CERT-703", "official_seal"))
        if not isinstance(readings, bool):
            found.append(problem("KJ-CERT-032", "readings"))
        chosen: list[str] = []
        if isinstance(phrases, str) or not isinstance(phrases, Iterable):
            found.append(problem("KJ-CERT-704", "phrases"))
        else:
            for i, phrase in enumerate(phrases):
                try:
                    chosen.append(check_setting(phrase, "phrases"))
                except FormatError:
                    found.append(problem("KJ-CERT-704", "phrases", f"phrases[{i}]"))
                    continue
                if not chosen[-1]:
                    found.append(problem("KJ-CERT-704", "phrases", f"phrases[{i}]"))
        if printer is not None:
            try:
                printer = check_setting(printer, "printer_id")
            except FormatError as e:
                found += e.problems
        if found:
            raise FormatError(found)
        return _Frame(certifier, seal, tuple(chosen), readings, printer)


def _ids(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise FormatError(problem("KJ-CERT-035", "resident_ids"))
    ids = tuple(value)
    if not ids or not all(isinstance(i, str) and i for i in ids):
        raise FormatError(problem("KJ-CERT-035", "resident_ids"))
    return tuple(dict.fromkeys(ids))


def _optional_str(value: Any, code: str, item: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FormatError(problem(code, item))
    return value


# Items of the record a kind shows besides its switches, which the operator must see too.
_KIND_ITEMS: dict[CertificateKind, frozenset[str]] = {
    CertificateKind.JOJO: frozenset({"deletion"}),
    CertificateKind.TENSHUTSU: frozenset({"planned_move_out", "relationship"}),
    CertificateKind.TENSHUTSU_JUNZURU: frozenset({"planned_move_out", "relationship"}),
}


class CertificateOps(SessionBase):
    def issue_certificate(
        self,
        kind: str,
        *,
        resident_ids: Sequence[str] | None = None,
        household_id: str | None = None,
        include: Iterable[str] = (),
        format: str = "text",
        with_history: bool = False,
        layout: str = "household",
        requester_resident_id: str | None = None,
        area: str | None = None,
        certifier: str = "mayor",
        official_seal: str = "certifier",
        phrases: Iterable[str] = (),
        readings: bool = True,
        printer_id: str | None = None,
    ) -> Certificate:
        """Issue a certificate of *kind* for the persons named (交付).

        Kinds: juminhyo 住民票の写し, jojo 除票の写し, kisai_jiko 住民票記載事項証明書, tenshutsu
        転出証明書 (tenshutsu_junzuru when the 転出 was recorded ex officio), code_notice
        住民票コード通知票, etsuran 閲覧用一部の写し (by *area*, an address prefix, or persons),
        inkan 印鑑登録証明書. The persons are *resident_ids* or the living members of
        *household_id* (世帯全員). Items omitted by default are printed only when named in
        *include* and allowed to the operator and purpose.

        標準5.3–5.6: *readings* prints each 氏名, 旧氏 and 通称 with its reading in katakana in
        brackets after it (or none); *certifier* is "mayor" or "deputy" (職務代理者, configured
        with ``reg.configure_certificates``); *official_seal* chooses the 公印: "certifier"
        (the certifier's), "mayor", "deputy", "certificate" (証明書専用の印) or "none", which
        prints 「公印省略」; *phrases* are further fixed phrases (「この印は黒色です」 …);
        *printer_id* is the printer named in the 発行番号 (default: the configured one).
        Each certificate, each copy, has its own 発行番号.
        """
        subjects = _subjects(resident_ids)
        if not self.active:
            self._guard("certificate", subjects)  # raises: the session has ended
        ask = self._audited(
            "print",
            lambda: self._parse(kind, resident_ids, household_id, include, format, with_history,
                                layout, requester_resident_id, area,
                                _Frame.parse(certifier, official_seal, phrases, readings,
                                             printer_id)),
            subjects,
        )
        self._audited("print", lambda: self._check_my_number(ask), subjects)
        self._guard("certificate", subjects)
        return self._audited("print", lambda: self._issue(ask, subjects), subjects)

    # -- steps ----------------------------------------------------------------------------
    def _check_my_number(self, ask: _Ask) -> None:
        """番号法: a purpose that may not use My Number cannot print it, whatever the role."""
        if it.MY_NUMBER in ask.switches and not self._reg.policy.purpose(
            self.purpose
        ).may_use_my_number:
            raise AccessDenied(problem("KJ-ACCESS-005", "my_number"))

    def _parse(
        self, kind: Any, resident_ids: Any, household_id: Any, include: Any, fmt: Any,
        with_history: Any, layout: Any, requester: Any, area: Any, frame: _Frame,
    ) -> _Ask:
        try:
            k = CertificateKind(kind)
        except ValueError:
            raise FormatError(problem("KJ-CERT-030", "kind")) from None
        if fmt not in FORMATS:
            raise FormatError(problem("KJ-CERT-033", "format"))
        if layout not in LAYOUTS:
            raise FormatError(problem("KJ-CERT-034", "layout"))
        if not isinstance(with_history, bool):
            raise FormatError(problem("KJ-CERT-032", "with_history"))
        ids = _ids(resident_ids)
        hid = _optional_str(household_id, "KJ-CERT-035", "household_id")
        chosen_area = _optional_str(area, "KJ-CERT-046", "area")
        if k is CertificateKind.ETSURAN:
            if ids is None and hid is None and chosen_area is None:
                raise FormatError(problem("KJ-CERT-046", "area"))
        elif chosen_area is not None:
            raise FormatError(problem("KJ-CERT-032", "area"))
        if (ids is None) == (hid is None) and not (
            k is CertificateKind.ETSURAN and ids is None and hid is None
        ):
            raise FormatError(problem("KJ-CERT-035", "resident_ids"))
        return _Ask(
            kind=k,
            switches=parse_include(k, include, with_history=with_history),
            fmt=fmt,
            layout=layout,
            resident_ids=ids,
            household_id=hid,
            requester=_optional_str(requester, "KJ-CERT-045", "requester_resident_id"),
            area=chosen_area,
            frame=frame,
        )

    def _check_items(self, ask: _Ask, persons: Sequence[Resident]) -> None:
        """Every item printed must be one the operator may see (操作資格・事務・個人設定)."""
        needed = set(policy_items(ask.switches)) | _KIND_ITEMS.get(ask.kind, frozenset())
        if any(r.foreign is not None and r.foreign.alias for r in persons):
            needed.add("alias")  # 通称 is printed whenever there is one
        if ask.kind is CertificateKind.JUMINHYO and any(
            r.planned_move_out is not None and r.planned_move_out.planned_on <= self._reg.today()
            for r in persons
        ):
            needed.add("planned_move_out")
        visible = self._items(list_view=ask.kind is CertificateKind.ETSURAN)
        missing = sorted(needed - visible)
        if missing:
            raise AccessDenied([problem("KJ-CERT-036", item) for item in missing])

    def _persons(self, uow: UnitOfWork, ask: _Ask) -> tuple[list[Resident], bool]:
        """The records named, and whether they are a whole household (世帯全員)."""
        if ask.household_id is not None:
            household = uow.households.get(ask.household_id)
            if household is None:
                raise NotFound(problem("KJ-NOTFOUND-002", "household_id"))
            if ask.kind is CertificateKind.JOJO:
                # 除票 of the household: its deleted members (a scan: the register keeps no
                # index of deleted records by household).
                found = [r for r in uow.residents.iter_all()
                         if r.household_id == ask.household_id and r.deletion is not None]
            else:
                found = uow.residents.members(ask.household_id)
            return found, True
        if ask.resident_ids is not None:
            out: list[Resident] = []
            for i, rid in enumerate(ask.resident_ids):
                r = uow.residents.get(rid)
                if r is None:
                    raise NotFound(problem("KJ-NOTFOUND-001", "resident_ids", f"resident_ids[{i}]"))
                out.append(r)
            return out, False
        assert ask.area is not None
        prefix = ask.area
        return [r for r in uow.residents.iter_all()
                if r.is_living and r.address.text.startswith(prefix)], False

    def _issue(self, ask: _Ask, concerned: list[str] | None = None) -> Certificate:
        """Issue what *ask* names; *concerned* (the ids a refusal's audit entry names) gets
        the persons found, so that a refusal for a household names its members."""
        today = self._reg.today()
        seal = None
        if ask.kind is CertificateKind.INKAN and ask.resident_ids is not None:
            registration = seal_for_certificate(
                self._reg, ask.resident_ids[0], operator_id=self.operator_id,
                terminal_id=self.terminal_id, purpose=self.purpose)
            seal = SealImpression(registration.registration_number, registration.png,
                                  registration.registered_on)
        with self._reg.store.unit_of_work() as uow:
            residents, whole = self._persons(uow, ask)
            if concerned is not None:
                concerned.extend(r.resident_id for r in residents if r.resident_id not in concerned)
            if ask.requester is not None and uow.residents.get(ask.requester) is None:
                raise NotFound(problem("KJ-CERT-045", "requester_resident_id"))
            self._check_items(ask, residents)
            protected: frozenset[str] = frozenset()
            warnings: list[Problem] = []
            if ask.kind is CertificateKind.ETSURAN:
                # 支援措置の対象者 never appear on the inspection list.
                ids = [r.resident_id for r in residents]
                protected = protected_today(load_measures(uow, ids), today)
            else:
                # 抑止 (発行) and 支援措置: refused here, or alerts handed back.
                warnings = self._check_issuance(uow, [r.resident_id for r in residents],
                                                ask.requester)
            records = [
                PersonRecord(r, uow.movements.for_resident(r.resident_id)
                             if it.HISTORY in ask.switches else ())
                for r in residents
            ]
            heads: dict[str, Resident] = {}
            for r in residents:
                h = uow.households.get(r.household_id)
                if h is not None and h.head_id is not None and r.household_id not in heads:
                    head = uow.residents.get(h.head_id)
                    if head is not None:
                        heads[r.household_id] = head
            number = uow.sequences.next("certificate")
            serial = format_serial(number, today)
            frame = ask.frame
            settings = certificate_settings(self._reg)
            office = municipality(self._reg)
            if frame.certifier == "deputy" and not settings.deputy_name:
                raise LogicError(problem("KJ-CERT-705", "certifier"))
            request = CertificateRequest(
                kind=ask.kind, serial=serial, today=today, municipality=office,
                persons=tuple(records), switches=ask.switches, heads=heads,
                layout="individual" if ask.layout == "individual" else "household",
                whole_household=whole, seal=seal, area=ask.area, protected=protected,
                issue_number=issue_number(
                    today, office.name, self.terminal_id,
                    settings.printer_id if frame.printer_id is None else frame.printer_id,
                    number),
                certifier=frame.certifier, official_seal=frame.official_seal,
                phrases=frame.phrases, readings=frame.readings,
                member_order=_member_orders(uow, residents)
                if ask.kind in (CertificateKind.JUMINHYO, CertificateKind.JOJO) else {},
            )
            document = build_certificate(request)
            rendered = printer_for(self._reg, "pdf" if ask.fmt == "pdf" else "text").render(
                document)
            listed = _listed(document, residents, request)
            items = _items(ask, residents)
            self._record_issuance(uow, ask, document, rendered.content, listed, items, whole,
                                  rendered.pages)
            uow.commit()
        return Certificate(
            serial=serial,
            kind=document.kind.value,
            content=rendered.content,
            media_type=rendered.media_type,
            pages=rendered.pages,
            substitutions=rendered.substitutions,
            resident_ids=listed,
            items=items,
            format=ask.fmt,
            document=document,
            warnings=tuple(warnings),
            issue_number=document.issue_number,
        )

    def _record_issuance(
        self, uow: UnitOfWork, ask: _Ask, document: CertificateDocument, content: bytes,
        listed: tuple[str, ...], printed: tuple[str, ...], whole: bool, pages: int,
    ) -> None:
        """証明書発行履歴 and the audit entry, in the unit of work of the issuance."""
        serial = document.serial
        record = {
            "serial": serial,
            "issue_number": document.issue_number,
            "kind": document.kind.value,
            "asked_kind": ask.kind.value,
            "issued_at": self._reg.now().isoformat(),
            "operator_id": self.operator_id,
            "terminal_id": self.terminal_id,
            "purpose": self.purpose,
            "resident_ids": list(listed),
            "household_id": ask.household_id,
            "whole_household": whole,
            "requester_resident_id": ask.requester,
            "items": list(printed),
            "format": ask.fmt,
            "layout": ask.layout,
            "pages": pages,
            "key_id": self._reg.signing_keys.current_id,
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "canonical_sha256": hashlib.sha256(document.canonical_text().encode()).hexdigest(),
        }
        uow.documents.put(ISSUANCE_KIND, serial, record,
                          subject=listed[0] if len(listed) == 1 else None)
        for rid in listed:
            uow.documents.put(ISSUANCE_SUBJECT_KIND, f"{rid}:{serial}", {"serial": serial},
                              subject=rid)
        self._reg.append_audit(
            uow, operation="print", operator_id=self.operator_id, terminal_id=self.terminal_id,
            purpose=self.purpose, subject_ids=listed,
            detail={"kind": document.kind.value, "serial": serial, "items": list(printed),
                    "format": ask.fmt, "pages": pages},
        )

    # -- 世帯員の並び順 (標準5.2) ------------------------------------------------------------
    def set_member_order(self, household_id: str, resident_ids: Sequence[str]) -> tuple[str, ...]:
        """Keep the order of a household's members on its 世帯連記式 copies (標準5.2: the order
        is a setting the register keeps). Members who join later are appended. Returns the
        order now printed."""
        subjects = _subjects(resident_ids)
        self._guard("submit", subjects)

        def run() -> tuple[str, ...]:
            ids = _ids(resident_ids)
            if not isinstance(household_id, str) or ids is None:
                raise FormatError(problem("KJ-CERT-706", "resident_ids"))
            with self._reg.store.unit_of_work() as uow:
                if uow.households.get(household_id) is None:
                    raise NotFound(problem("KJ-NOTFOUND-002", "household_id"))
                members = uow.residents.members(household_id)
                known = {r.resident_id for r in members}
                bad = [problem("KJ-CERT-706", "resident_ids", f"resident_ids[{i}]")
                       for i, rid in enumerate(resident_ids) if rid not in known]
                if bad or len(ids) != len(tuple(resident_ids)):
                    raise LogicError(bad or [problem("KJ-CERT-706", "resident_ids")])
                uow.documents.put(MEMBER_ORDER_KIND, household_id, {"order": list(ids)},
                                  subject=household_id)
                self._reg.append_audit(
                    uow, operation="set_member_order", operator_id=self.operator_id,
                    terminal_id=self.terminal_id, purpose=self.purpose, subject_ids=ids,
                    detail={"household_id": household_id},
                )
                order = _member_orders(uow, members).get(household_id, ids)
                uow.commit()
                return order

        return self._audited("set_member_order", run, subjects)

    # -- history ----------------------------------------------------------------------------
    def issuance_history(
        self, *, resident_id: str | None = None, serial: str | None = None
    ) -> list[dict[str, Any]]:
        """証明書発行履歴: who issued what, when, for whom, with which items (no content)."""
        self._guard("read", [resident_id] if isinstance(resident_id, str) else [])

        def run() -> list[dict[str, Any]]:
            with self._reg.store.unit_of_work() as uow:
                if serial is not None:
                    one = uow.documents.get(ISSUANCE_KIND, serial)
                    found = [one] if one is not None else []
                elif resident_id is not None:
                    serials = [d["serial"] for d in
                               uow.documents.by_subject(ISSUANCE_SUBJECT_KIND, resident_id)]
                    found = [d for s in serials
                             if (d := uow.documents.get(ISSUANCE_KIND, s)) is not None]
                else:
                    found = list(uow.documents.iter_kind(ISSUANCE_KIND))
                if resident_id is not None:
                    found = [d for d in found if resident_id in d["resident_ids"]]
                found.sort(key=lambda d: (d["issued_at"], d["serial"]))
                self._reg.append_audit(
                    uow, operation="read_issuance_history", operator_id=self.operator_id,
                    terminal_id=self.terminal_id, purpose=self.purpose,
                    subject_ids=(resident_id,) if resident_id else (),
                    detail={"serial": serial, "hits": len(found)},
                )
                uow.commit()
                return found

        return self._audited("read_issuance_history", run,
                             [resident_id] if isinstance(resident_id, str) else [])


def _member_orders(uow: UnitOfWork, residents: Sequence[Resident]) -> dict[str, tuple[str, ...]]:
    """世帯員の並び順 (標準5.2) of each household on the certificate with more than one person:
    the order a clerk set, else the standard order, later arrivals appended."""
    by_household: dict[str, list[Resident]] = {}
    for r in residents:
        by_household.setdefault(r.household_id, []).append(r)
    out: dict[str, tuple[str, ...]] = {}
    for hid, members in by_household.items():
        if len(members) < 2:
            continue
        kept = uow.documents.get(MEMBER_ORDER_KIND, hid)
        joined = {r.resident_id: joined_at(uow.movements.for_resident(r.resident_id), hid)
                  for r in members}
        out[hid] = member_order(members, joined=joined,
                                setting=tuple(kept["order"]) if kept else ())
    return out


def _subjects(resident_ids: Any) -> list[str]:
    """The ids to name in a refusal's audit entry, whatever shape the caller passed."""
    if isinstance(resident_ids, str) or not isinstance(resident_ids, Iterable):
        return []
    return [i for i in resident_ids if isinstance(i, str)]


_FOREIGN_ONLY = frozenset({it.NATIONALITY, it.CATEGORY, it.RESIDENCE_STATUS, it.CARD_NUMBER,
                           it.ALIAS_HISTORY})


def _items(ask: _Ask, persons: Sequence[Resident]) -> tuple[str, ...]:
    """The items printed beyond the basic ones a copy always carries (all, for a 記載事項証明書,
    which carries only what is asked), leaving out those no person on it has (本籍 of a foreign
    resident, 国籍 of a Japanese one)."""
    chosen = ask.switches if ask.kind is CertificateKind.KISAI_JIKO else ask.switches - it.BASIC
    if not any(r.foreign is not None for r in persons):
        chosen -= _FOREIGN_ONLY
    if not any(r.japanese is not None for r in persons):
        chosen -= {it.DOMICILE}
    return tuple(sorted(chosen))


def _listed(
    document: CertificateDocument, residents: Sequence[Resident], request: CertificateRequest
) -> tuple[str, ...]:
    """Whose data the certificate carries (the 閲覧用 list leaves protected persons out)."""
    if document.kind is CertificateKind.ETSURAN:
        return tuple(r.resident_id for r in residents
                     if r.is_living and r.resident_id not in request.protected)
    return tuple(r.resident_id for r in residents)
