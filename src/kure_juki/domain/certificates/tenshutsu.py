"""転出証明書, and the 転出証明書に準ずる証明書 when the 転出 was recorded ex officio.

A 転出 notified more than 14 days after the move is recorded by the municipality itself
(標準仕様: 職権記載); the paper the person takes to the new municipality is then the 準ずる証明書.
All persons on one certificate left together: same date, destination and notice.
"""

from __future__ import annotations

from kure_juki.domain.certificate_document import (
    CertificateDocument,
    CertificateKind,
    Field,
    HouseholdSection,
    PersonSection,
    Section,
)
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.fields import (
    code_fields,
    head_field,
    identity_fields,
    wareki,
)
from kure_juki.domain.certificates.request import CertificateRequest
from kure_juki.domain.errors import LogicError, problem
from kure_juki.domain.resident import PlannedMoveOut

NOTICE = "転入届の際は、この証明書を転入先の市区町村長に提出してください。"
NOTICE_EX_OFFICIO = (
    "転出の届出が届出期間の経過後にあったため、職権で転出を記載しました。"
    "転入届の際は、転出証明書に代えてこの証明書を提出してください。"
)


def move_out_kind(req: CertificateRequest) -> tuple[CertificateKind, PlannedMoveOut]:
    """The kind the persons' 転出 calls for, and that 転出; refused when there is none."""
    plans = []
    for i, p in enumerate(req.persons):
        r = p.resident
        plan = r.planned_move_out
        if plan is None or (r.deletion is not None and r.deletion.reason not in ("転出",)):
            raise LogicError(problem("KJ-CERT-039", "resident_ids", f"resident_ids[{i}]"))
        if plan.destination.country is not None:
            raise LogicError(problem("KJ-CERT-042", "resident_ids", f"resident_ids[{i}]"))
        plans.append(plan)
    if not plans:
        raise LogicError(problem("KJ-CERT-044", "resident_ids"))
    if any(plan != plans[0] for plan in plans):
        raise LogicError(problem("KJ-CERT-040", "resident_ids"))
    plan = plans[0]
    if plan.ex_officio:
        return CertificateKind.TENSHUTSU_JUNZURU, plan
    if req.kind is CertificateKind.TENSHUTSU_JUNZURU:
        raise LogicError(problem("KJ-CERT-041", "kind"))
    return CertificateKind.TENSHUTSU, plan


def build_tenshutsu(req: CertificateRequest) -> CertificateDocument:
    kind, plan = move_out_kind(req)
    first = req.persons[0].resident
    header = [Field("住所", first.address.text), *head_field(req.head_of(first))]
    sections: list[Section] = [HouseholdSection(fields=header)]
    for p in req.persons:
        r = p.resident
        # 旧氏 is printed whenever recorded (住基令30条の13).
        sections.append(PersonSection(fields=[
            *identity_fields(r, req.switches, readings=req.readings, former_surname=True),
            *code_fields(r, req.switches)]))
    ex_officio = kind is CertificateKind.TENSHUTSU_JUNZURU
    move = [
        Field("転出年月日" if ex_officio else "転出予定年月日", wareki(plan.planned_on)),
        Field("転出先", plan.destination.text),
        Field("届出年月日", wareki(plan.notified_on)),
    ]
    if ex_officio:
        move.append(Field("職権記載", "届出期間経過のため職権で記載"))
    sections.append(HouseholdSection(fields=move, heading="転出の内容"))
    return document(req, sections, kind=kind,
                    remarks=[NOTICE_EX_OFFICIO if ex_officio else NOTICE])
