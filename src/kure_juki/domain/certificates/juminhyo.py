"""住民票の写し and 除票の写し: one person, chosen members or a whole household; 世帯連記式 (one
household header, the members below) or individual (each person with their own address); with
or without the line-by-line history."""

from __future__ import annotations

from kure_juki.domain.certificate_document import (
    DEFAULT_CERTIFICATIONS,
    CertificateDocument,
    CertificateKind,
    Field,
    HouseholdSection,
    PersonSection,
    Section,
    TableSection,
)
from kure_juki.domain.certificates import items as it
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.fields import (
    alias_history_rows,
    code_fields,
    deletion_fields,
    full_name,
    head_field,
    identity_fields,
    move_out_fields,
    record_fields,
)
from kure_juki.domain.certificates.history import history_entries
from kure_juki.domain.certificates.request import CertificateRequest, PersonRecord
from kure_juki.domain.resident import Resident

WHOLE_HOUSEHOLD = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"


def person_section(
    req: CertificateRequest, r: Resident, *, standalone: bool, heading: str | None = None
) -> PersonSection:
    """One person's entry; with the address and 世帯主 when it stands alone (個人票)."""
    s = req.switches
    # 旧氏 is an item of the record (住基令30条の13): always on a copy; on a 記載事項証明書 when
    # asked for.
    copy = req.kind in (CertificateKind.JUMINHYO, CertificateKind.JOJO)
    fields: list[Field] = identity_fields(r, s, readings=req.readings, former_surname=copy)
    if standalone and it.ADDRESS in s:
        fields.append(Field("住所", r.address.text))
    if standalone and it.RELATIONSHIP in s:
        fields += head_field(req.head_of(r))
    fields += record_fields(r, s)
    fields += code_fields(r, s)
    if r.deletion is not None:
        fields += deletion_fields(r)
    else:
        fields += move_out_fields(r, req.today)
    return PersonSection(fields=fields, heading=heading)


def trailing_tables(req: CertificateRequest, p: PersonRecord) -> list[Section]:
    """通称履歴 and 異動履歴 of one person, when asked for."""
    r = p.resident
    out: list[Section] = []
    label = full_name(r)
    if it.ALIAS_HISTORY in req.switches:
        rows = alias_history_rows(r)
        if rows:
            out.append(TableSection(columns=("通称", "記載年月日", "削除年月日"), rows=rows,
                                    heading=f"通称履歴({label})"))
    if it.HISTORY in req.switches:
        entries = history_entries(p.movements, r.resident_id, req.switches, req.today)
        if entries:
            out.append(TableSection.history(entries, heading=f"異動履歴({label})"))
    return out


def _groups(req: CertificateRequest) -> list[list[PersonRecord]]:
    """Persons by household and address, households in the order first met (世帯ごと), the
    members of each in the household's order (世帯員の並び順, 標準5.2)."""
    groups: dict[tuple[str, str], list[PersonRecord]] = {}
    for p in req.persons:
        key = (p.resident.household_id, p.resident.address.text)
        groups.setdefault(key, []).append(p)
    out = []
    for (hid, _), group in groups.items():
        order = {rid: i for i, rid in enumerate(req.member_order.get(hid, ()))}
        out.append(sorted(group, key=lambda p: order.get(p.resident.resident_id, len(order))))
    return out


def build_juminhyo(req: CertificateRequest) -> CertificateDocument:
    """住民票の写し (kind juminhyo) or 除票の写し (kind jojo)."""
    deleted = req.kind is CertificateKind.JOJO
    heading = "除票" if deleted else None
    sections: list[Section] = []
    if req.layout == "individual":
        for p in [p for group in _groups(req) for p in group]:
            sections.append(person_section(req, p.resident, standalone=True, heading=heading))
            sections += trailing_tables(req, p)
    else:
        for group in _groups(req):
            first = group[0].resident
            header = [Field("住所", first.address.text)]
            if it.RELATIONSHIP in req.switches:
                header += head_field(req.head_of(first))
            sections.append(HouseholdSection(fields=header))
            sections += [
                person_section(req, p.resident, standalone=False, heading=heading)
                for p in group
            ]
            for p in group:
                sections += trailing_tables(req, p)
    remarks: list[str] = []
    certification = DEFAULT_CERTIFICATIONS[req.kind]
    if req.whole_household and not deleted:
        remarks.append("世帯全員の住民票の写しです。")
        certification = WHOLE_HOUSEHOLD
    elif not deleted and len(req.persons) > 1:
        remarks.append("世帯の一部の者の住民票の写しです。")
    return document(req, sections, remarks=remarks, certification=certification)
