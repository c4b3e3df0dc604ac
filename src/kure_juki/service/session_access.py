"""Access controls as operations: bulk output with prior approval, copies of the file,
intra-agency transfers (庁内連携), blocks (抑止), support measures (支援措置), display switches
and policy changes. Every one is guarded by the policy and audited, refusals included.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import secrets
import typing
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any

import attrs

from kure_juki.domain import approval as approvals
from kure_juki.domain import blocks as blocks_rules
from kure_juki.domain import support_measures as measures_rules
from kure_juki.domain.blocks import Block
from kure_juki.domain.errors import (
    AccessDenied,
    FormatError,
    LogicError,
    NotFound,
    problem,
)
from kure_juki.domain.mj_text import CHARSETS, Charset
from kure_juki.domain.parsing import parse_date
from kure_juki.domain.policy import ALL_ITEMS, Policy
from kure_juki.domain.resident import Resident
from kure_juki.domain.support_measures import SupportMeasure
from kure_juki.domain.transfers import Recipient, changed_since, degrade_record, parse_recipients
from kure_juki.ports.storage import Store, UnitOfWork
from kure_juki.service.operators import find_operator
from kure_juki.service.session_base import MEASURE_INDEX, SessionBase
from kure_juki.service.views import full_view, history_view, project

EXPORT_KINDS = ("residents", "inspection_list")  # 住民基本台帳ファイルの複製, 閲覧用リスト
EXPORT_FORMATS = ("jsonl", "csv")
# 住基法11条: the inspection list shows 氏名, 出生の年月日, 男女の別, 住所 — nothing else.
INSPECTION_ITEMS = ("family_name", "given_name", "birth_date", "sex", "address")
EXPORT_RECORD = "export_record"
TRANSFER_RECORD = "transfer_record"
TRANSFER_MARK = "transfer_mark"


@functools.cache
def default_recipients() -> Mapping[str, Recipient]:
    """The recipients shipped beside the default policy (transfer_recipients.json)."""
    text = (
        resources.files("kure_juki.policy").joinpath("transfer_recipients.json").read_text("utf-8")
    )
    return parse_recipients(json.loads(text), ALL_ITEMS)


def _as_date(value: Any, item: str) -> dt.date:
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        raise FormatError(problem("KJ-FMT-004", item)) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def render(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> bytes:
    """Rows as JSON Lines or CSV (UTF-8), columns in a fixed order."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({c: row[c] for c in columns if c in row}, ensure_ascii=False) + "\n"
            for row in rows
        ).encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def spend_approval(
    uow: UnitOfWork,
    token: str,
    *,
    operator_id: str,
    count: int,
    now: dt.datetime,
    export_id: str,
) -> approvals.Approval:
    """Check that *token* names *operator_id*, is unused, unexpired and covers *count*
    records, and mark it used in *uow* (it commits with the output it allowed)."""
    digest = approvals.token_digest(token)
    stored = uow.documents.get(approvals.KIND, digest)
    grant = approvals.Approval.from_dict(stored) if stored else None
    refused = approvals.refusal(grant, operator_id=operator_id, now=now, count=count)
    if refused is not None:
        raise AccessDenied(refused)
    assert grant is not None
    # A counter per token is the compare-and-set: two outputs racing with one token both read
    # it unused, but only one takes use number 1 (the counter row is locked until commit).
    if uow.sequences.next(f"approval:{digest[:32]}") != 1:
        raise AccessDenied(problem("KJ-ACCESS-007", "approval"))
    uow.documents.put(
        approvals.KIND, digest, approvals.used(grant, now=now, export_id=export_id).to_dict()
    )
    return grant


def approval_check(
    store: Store, *, operator_id: str, clock: Callable[[], dt.datetime]
) -> Callable[[str | None, int], None]:
    """The check for outputs that run without a session (the command-line export:
    ``kure_juki.cli.export_approval = approval_check(store, operator_id=…, clock=…)``): the
    token must name *operator_id* and cover the count; it is spent."""

    def check(token: str | None, count: int) -> None:
        if token is None:
            raise AccessDenied(problem("KJ-ACCESS-006", "approval"))
        with store.unit_of_work() as uow:
            spend_approval(
                uow, token, operator_id=operator_id, count=count, now=clock(), export_id="cli"
            )
            uow.commit()

    return check


class AccessOps(SessionBase):
    """Mixed into :class:`~kure_juki.service.session.Session`."""

    # -- audit helpers --------------------------------------------------------------------
    def _record(
        self, uow: UnitOfWork, operation: str, subjects: Iterable[str] = (), **detail: Any
    ) -> None:
        """An audit entry in *uow*; a bulk operation names its subjects up to the policy's
        limit (the full list is in its own record document)."""
        ids = tuple(subjects)
        limit = self._reg.policy.audit_subject_limit
        if len(ids) > limit:
            detail["subjects"] = len(ids)
            ids = ()
        self._reg.append_audit(
            uow,
            operation=operation,
            operator_id=self.operator_id,
            terminal_id=self.terminal_id,
            purpose=self.purpose,
            subject_ids=ids,
            detail=detail,
        )

    # -- display switches and the policy ----------------------------------------------------
    def _hidden_items(self, names: Iterable[str]) -> frozenset[str]:
        if isinstance(names, str):
            names = [names]
        try:
            return self._reg.policy.hidden_items_for(names)
        except (ValueError, TypeError):
            raise FormatError(problem("KJ-FMT-405", "hidden_items")) from None

    def set_operator_switches(self, operator_id: str, *, hide: Iterable[str]) -> frozenset[str]:
        """Per-operator display switches (standard 10.4): the items *operator_id* never sees,
        by switch (``registered_domicile`` 本籍・筆頭者, ``my_number`` 個人番号,
        ``resident_code`` 住民票コード, ``residence_status`` 在留資格) or item name. Replaces the
        operator's switches; ``hide=()`` shows everything the policy allows again."""
        self._guard("manage_operators")

        def run() -> frozenset[str]:
            hidden = self._hidden_items(hide)
            with self._reg.store.unit_of_work() as uow:
                op = find_operator(uow, operator_id)
                if op is None:
                    raise NotFound(problem("KJ-NOTFOUND-003", "operator_id"))
                uow.operators.put(attrs.evolve(op, version=op.version + 1, hidden_items=hidden))
                self._record(
                    uow,
                    "policy_change",
                    change="operator_switches",
                    target_operator_id=op.operator_id,
                    hidden=sorted(hidden),
                )
                uow.commit()
            return hidden

        return self._audited("policy_change", run)

    def replace_policy(self, policy: Policy | Mapping[str, Any] | str) -> str:
        """Put a new access policy in force for this register (a mapping, a JSON file path or
        a Policy); returns its digest. Audited with the digests before and after."""
        self._guard("manage_policy")

        def run() -> str:
            from kure_juki.service.registry import load_policy

            try:
                new = load_policy(policy)
            except (ValueError, KeyError, TypeError, OSError):
                raise FormatError(problem("KJ-FMT-407", "policy")) from None
            before = self._reg.policy.digest()
            with self._reg.store.unit_of_work() as uow:
                self._record(
                    uow, "policy_change", change="policy", before=before, after=new.digest()
                )
                uow.commit()
            self._reg.policy = new
            return new.digest()

        return self._audited("policy_change", run)

    # -- bulk output ------------------------------------------------------------------------
    def approve_bulk_output(self, operator_id: str, max_records: int) -> str:
        """A manager's prior approval (大量出力の事前承認) for *operator_id* to output at most
        *max_records* records once, within ``approval_ttl_minutes``. Returns the token (shown
        once; only its digest is kept)."""
        self._guard("approve_bulk_output")

        def run() -> str:
            if (
                not isinstance(max_records, int)
                or isinstance(max_records, bool)
                or max_records <= 0
            ):
                raise FormatError(problem("KJ-FMT-402", "max_records"))
            token = secrets.token_urlsafe(32)
            with self._reg.store.unit_of_work() as uow:
                op = find_operator(uow, operator_id)
                if op is None:
                    raise NotFound(problem("KJ-NOTFOUND-003", "operator_id"))
                # Compared as stored: a full-width or padded spelling of one's own id is still
                # one's own id.
                approved_id = op.operator_id
                if approved_id == self.operator_id and not self._reg.policy.self_approval:
                    raise AccessDenied(problem("KJ-ACCESS-013", "operator_id"))
                if not op.active:
                    raise LogicError(problem("KJ-LOGIC-404", "operator_id"))
                a = approvals.grant(
                    approvals.token_digest(token),
                    operator_id=approved_id,
                    max_records=max_records,
                    approved_by=self.operator_id,
                    now=self._reg.now(),
                    ttl_minutes=self._reg.policy.approval_ttl_minutes,
                )
                uow.documents.put(approvals.KIND, a.approval_id, a.to_dict())
                self._record(
                    uow,
                    "approve_bulk_output",
                    approval=a.approval_id[:16],
                    approved_operator_id=approved_id,
                    max_records=max_records,
                    expires_at=a.expires_at.isoformat(),
                    self_approved=approved_id == self.operator_id,
                )
                uow.commit()
            return token

        return self._audited("approve_bulk_output", run)

    def export(
        self,
        kind: str = "residents",
        approval: str | None = None,
        format: str = "jsonl",
        *,
        living_only: bool = False,
    ) -> bytes:
        """A copy of the file (ファイルの複製): ``"residents"`` (every record, 除票 included
        unless *living_only*) or ``"inspection_list"`` (閲覧用リスト: 氏名・生年月日・性別・住所
        of living residents, people under a 支援措置 left out). Always needs an approval token
        naming the caller and covering the count, whoever asks; never carries a My Number
        (nor a 住民票コード unless the policy's export items allow)."""
        self._guard("export")

        def run() -> bytes:
            if kind not in EXPORT_KINDS or format not in EXPORT_FORMATS:
                raise FormatError(
                    problem("KJ-FMT-401", "kind" if kind not in EXPORT_KINDS else "format")
                )
            if approval is None:
                raise AccessDenied(problem("KJ-ACCESS-006", "approval"))
            if not isinstance(approval, str):
                raise AccessDenied(problem("KJ-ACCESS-007", "approval"))
            now = self._reg.now()
            with self._reg.store.unit_of_work() as uow:
                digest = approvals.token_digest(approval)
                if kind == "residents":
                    residents = [
                        r for r in uow.residents.iter_all() if r.is_living or not living_only
                    ]
                    columns = sorted(
                        self._reg.policy.export_visible(
                            self.role, self.purpose, hidden=self._op.hidden_items
                        )
                    )
                else:
                    protected = measures_rules.protected_today(
                        (
                            SupportMeasure.from_dict(d)
                            for d in uow.documents.iter_kind(measures_rules.KIND)
                        ),
                        now.date(),
                    )
                    residents = sorted(
                        (
                            r
                            for r in uow.residents.iter_all()
                            if r.is_living and r.resident_id not in protected
                        ),
                        key=lambda r: (
                            r.address.text,
                            r.name.family_name_kana,
                            r.name.given_name_kana,
                            r.resident_id,
                        ),
                    )
                    visible = self._items(list_view=True)
                    columns = [c for c in INSPECTION_ITEMS if c in visible]
                export_id = f"E{uow.sequences.next('export'):08d}"
                grant = spend_approval(
                    uow,
                    approval,
                    operator_id=self.operator_id,
                    count=len(residents),
                    now=now,
                    export_id=export_id,
                )
                rows = [project(full_view(r), frozenset(columns)) for r in residents]
                content = render(rows, columns, format)
                ids = [r.resident_id for r in residents]
                uow.documents.put(
                    EXPORT_RECORD,
                    export_id,
                    {
                        "export_id": export_id,
                        "kind": kind,
                        "format": format,
                        "count": len(rows),
                        "items": columns,
                        "operator_id": self.operator_id,
                        "terminal_id": self.terminal_id,
                        "at": now.isoformat(),
                        "approval": digest[:16],
                        "approved_by": grant.approved_by,
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "resident_ids": ids,
                    },
                )
                self._record(
                    uow,
                    "export",
                    ids,
                    export_id=export_id,
                    kind=kind,
                    format=format,
                    count=len(rows),
                    items=columns,
                    approval=digest[:16],
                )
                uow.commit()
            return content

        return self._audited("export", run)

    # -- intra-agency transfers (庁内連携) ---------------------------------------------------
    def _recipients(self) -> Mapping[str, Recipient]:
        return self._reg.policy.recipients or default_recipients()

    def transfer_recipients(self) -> list[dict[str, Any]]:
        """The recipients this register transfers to, with their legal basis and items."""
        self._guard("transfer")
        return [
            {
                "recipient": r.recipient_id,
                "name_ja": r.name_ja,
                "use_ja": r.use_ja,
                "legal_basis": r.legal_basis,
                "purpose": r.purpose,
                "may_use_my_number": r.may_use_my_number,
                "items": sorted(r.allowed_items()),
            }
            for r in self._recipients().values()
        ]

    def transfer(
        self,
        recipient: str,
        since: int | str | dt.date | None = None,
        *,
        charset: str | None = None,
    ) -> dict[str, Any]:
        """庁内連携 to *recipient*: only the items its legal basis allows (a My Number only where
        it may use one). *since*: ``None`` every record (full); ``"last"`` the differences
        since the last transfer to this recipient (full when there was none); a movement id:
        the persons changed by later movements; a date: by movements processed from that day.

        Returns ``{"transfer_id", "recipient", "mode", "since_movement_id",
        "until_movement_id", "count", "items", "records"}``; in a difference each record
        carries ``"changes"`` (the movements). Each transfer is recorded and audited.

        *charset* (default: the recipient's, ``"mj"`` unless configured) is what the receiving
        system holds: ``"mj"``, ``"jis_x_0213"`` or ``"jis_x_0208"``. Outside MJ, each
        character the set lacks is degraded by the MJ縮退マップ and listed, in the result and
        in the transfer record, under ``"degraded"`` (resident, item, position, original,
        MJ文字図形名, replacement, map); docs/characters.md.
        """
        self._guard("transfer")

        def run() -> dict[str, Any]:
            if charset is not None and charset not in CHARSETS:
                raise FormatError(problem("KJ-FMT-903", "charset"))
            table = self._recipients()
            r = table.get(recipient) if isinstance(recipient, str) else None
            if r is None:
                raise NotFound(problem("KJ-NOTFOUND-401", "recipient"))
            if self.purpose not in ("resident_records", r.purpose):
                raise AccessDenied(problem("KJ-ACCESS-012", "recipient"))
            items = r.allowed_items()
            basis = self._reg.policy.purposes.get(r.purpose)
            if basis is not None and not basis.may_use_my_number:
                items -= {"my_number"}
            now = self._reg.now()
            with self._reg.store.unit_of_work() as uow:
                after = self._transfer_start(uow, r.recipient_id, since)
                until = uow.movements.last_id()
                changes: dict[str, list[Any]] = {}
                if after is None:
                    chosen: list[Resident] = [
                        x for x in uow.residents.iter_all() if x.is_living or r.include_deleted
                    ]
                else:
                    order, changes = changed_since(uow.movements.iter_all(), after)
                    found = (uow.residents.get(rid) for rid in order)
                    chosen = [x for x in found if x is not None]
                records = []
                target = typing.cast(Charset, charset or r.charset)
                degraded: list[dict[str, Any]] = []
                for x in chosen:
                    rec = project(full_view(x), items)
                    if after is not None:
                        rec["changes"] = history_view(changes.get(x.resident_id, []))
                    rec, lost = degrade_record(rec, target)
                    degraded += [{"resident_id": x.resident_id, **d} for d in lost]
                    records.append(rec)
                transfer_id = uow.sequences.next("transfer")
                ids = [x.resident_id for x in chosen]
                mode = "full" if after is None else "difference"
                uow.documents.put(
                    TRANSFER_RECORD,
                    f"{transfer_id:010d}",
                    {
                        "transfer_id": transfer_id,
                        "recipient": r.recipient_id,
                        "mode": mode,
                        "since_movement_id": after,
                        "until_movement_id": until,
                        "count": len(records),
                        "items": sorted(items),
                        "operator_id": self.operator_id,
                        "terminal_id": self.terminal_id,
                        "at": now.isoformat(),
                        "resident_ids": ids,
                        "charset": target,
                        "degraded": degraded,
                    },
                )
                uow.documents.put(
                    TRANSFER_MARK,
                    r.recipient_id,
                    {"movement_id": until, "transfer_id": transfer_id},
                )
                self._record(
                    uow,
                    "transfer",
                    ids,
                    transfer_id=transfer_id,
                    recipient=r.recipient_id,
                    mode=mode,
                    count=len(records),
                    items=sorted(items),
                    since_movement_id=after,
                    until_movement_id=until,
                    charset=target,
                    degraded=len(degraded),
                )
                uow.commit()
            return {
                "transfer_id": transfer_id,
                "recipient": r.recipient_id,
                "mode": mode,
                "since_movement_id": after,
                "until_movement_id": until,
                "count": len(records),
                "items": sorted(items),
                "records": records,
                "charset": target,
                "degraded": degraded,
            }

        return self._audited("transfer", run)

    def transfer_records(self, recipient: str | None = None) -> list[dict[str, Any]]:
        """The record of every transfer (who, when, to whom, how many, which items), oldest
        first; for one recipient when given."""
        return self._records(TRANSFER_RECORD, "recipient", recipient)

    def export_records(self) -> list[dict[str, Any]]:
        """The record of every copy of the file made (who, when, approved by whom, count)."""
        return self._records(EXPORT_RECORD, None, None)

    def _records(self, kind: str, key: str | None, value: str | None) -> list[dict[str, Any]]:
        self._guard("audit")

        def run() -> list[dict[str, Any]]:
            with self._reg.store.unit_of_work() as uow:
                found = [
                    {k: v for k, v in d.items() if k != "resident_ids"}
                    for d in uow.documents.iter_kind(kind)
                    if key is None or value is None or d.get(key) == value
                ]
                self._record(uow, "audit_search", (), records=kind, hits=len(found))
                uow.commit()
            return found

        return self._audited("audit_search", run)

    @staticmethod
    def _transfer_start(uow: UnitOfWork, recipient: str, since: Any) -> int | None:
        """The movement id a difference starts after, or None for a full transfer."""
        if since is None:
            return None
        if since == "last":
            mark = uow.documents.get(TRANSFER_MARK, recipient)
            return int(mark["movement_id"]) if mark else None
        if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
            return since
        if isinstance(since, dt.date | str):
            try:
                day = parse_date(since)
            except (TypeError, ValueError):
                raise FormatError(problem("KJ-FMT-406", "since")) from None
            before = [m.movement_id for m in uow.movements.iter_all() if m.processed_on < day]
            return max(before, default=0)
        raise FormatError(problem("KJ-FMT-406", "since"))

    # -- blocks (抑止) ----------------------------------------------------------------------
    def set_block(
        self,
        *,
        process: str,
        reason: str,
        resident_id: str | None = None,
        household_id: str | None = None,
        level: str = "error",
        starts_on: str | dt.date | None = None,
        ends_on: str | dt.date | None = None,
    ) -> str:
        """抑止: stop *process* (``movement`` 異動, ``issuance`` 発行, ``inquiry`` 照会) for one
        person or one household, at ``error`` or ``alert`` level, from *starts_on* (today).
        *ends_on* is the end of its period: past it the block stays in force and asks for a
        review (blocks do not lapse on their own). *reason* is a category, never a name.
        Returns the block id."""
        self._guard("manage_blocks", [resident_id] if isinstance(resident_id, str) else [])

        def run() -> str:
            if (resident_id is None) == (household_id is None):
                raise FormatError(problem("KJ-FMT-403", "target"))
            today = self._reg.today()
            start = _as_date(starts_on, "starts_on") if starts_on is not None else today
            end = _as_date(ends_on, "ends_on") if ends_on is not None else None
            scope = "person" if resident_id is not None else "household"
            found = blocks_rules.invalid_settings(process, scope, level, start, end, reason)
            if found:
                raise FormatError(found)
            with self._reg.store.unit_of_work() as uow:
                if resident_id is not None:
                    if not isinstance(resident_id, str) or uow.residents.get(resident_id) is None:
                        raise NotFound(problem("KJ-NOTFOUND-001", "resident_id"))
                    target = resident_id
                else:
                    assert household_id is not None
                    if (
                        not isinstance(household_id, str)
                        or uow.households.get(household_id) is None
                    ):
                        raise NotFound(problem("KJ-NOTFOUND-002", "household_id"))
                    target = household_id
                b = Block(
                    block_id=f"B{uow.sequences.next('block'):08d}",
                    process=process,
                    scope=scope,
                    target_id=target,
                    level=level,
                    starts_on=start,
                    ends_on=end,
                    reason=reason,
                    set_by=self.operator_id,
                    set_at=self._reg.now(),
                )
                uow.documents.put(blocks_rules.KIND, b.block_id, b.to_dict(), subject=target)
                self._record(
                    uow,
                    "set_block",
                    [target] if scope == "person" else [],
                    block_id=b.block_id,
                    process=process,
                    level=level,
                    scope=scope,
                    household_id=household_id,
                )
                uow.commit()
            return b.block_id

        return self._audited(
            "set_block", run, [resident_id] if isinstance(resident_id, str) else []
        )

    def _change_block(
        self, operation: str, block_id: str, change: Callable[[Block], Block]
    ) -> dict[str, Any]:
        concerned: list[str] = []  # a refusal names the person the block is set on

        def run() -> dict[str, Any]:
            with self._reg.store.unit_of_work() as uow:
                d = (
                    uow.documents.get(blocks_rules.KIND, block_id)
                    if isinstance(block_id, str)
                    else None
                )
                if d is None:
                    raise NotFound(problem("KJ-NOTFOUND-402", "block_id"))
                b = Block.from_dict(d)
                if b.scope == "person":
                    concerned.append(b.target_id)
                if b.lifted_at is not None:
                    raise LogicError(problem("KJ-LOGIC-402", "block_id"))
                b = change(b)
                uow.documents.put(blocks_rules.KIND, b.block_id, b.to_dict(), subject=b.target_id)
                self._record(
                    uow,
                    operation,
                    [b.target_id] if b.scope == "person" else [],
                    block_id=b.block_id,
                    process=b.process,
                    released_until=b.released_until.isoformat() if b.released_until else None,
                )
                uow.commit()
                return {**b.to_dict(), "state": b.state(self._reg.now())}

        return self._audited(operation, run, concerned)

    def lift_block(self, block_id: str) -> dict[str, Any]:
        """解除: the block no longer applies (kept for the record)."""
        self._guard("manage_blocks")
        now = self._reg.now()
        return self._change_block(
            "lift_block",
            block_id,
            lambda b: attrs.evolve(b, lifted_at=now, lifted_by=self.operator_id),
        )

    def release_block(self, block_id: str, *, minutes: int | None = None) -> dict[str, Any]:
        """一時解除: let the process through for *minutes* (policy ``block_release_minutes``);
        the block is in force again afterwards, with no one acting."""
        self._guard("release_block")
        span = self._reg.policy.block_release_minutes if minutes is None else minutes
        if not isinstance(span, int) or isinstance(span, bool) or not 0 < span <= 24 * 60:
            error = FormatError(problem("KJ-FMT-403", "minutes"))
            self._refuse("release_block", error)
            raise error
        until = self._reg.now() + dt.timedelta(minutes=span)
        return self._change_block(
            "release_block",
            block_id,
            lambda b: attrs.evolve(b, released_until=until, released_by=self.operator_id),
        )

    def blocks(
        self, *, resident_id: str | None = None, household_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The blocks set on a person or a household (lifted ones included), with their state."""
        self._guard("manage_blocks", [resident_id] if isinstance(resident_id, str) else [])

        def run() -> list[dict[str, Any]]:
            from kure_juki.service.session_base import load_blocks

            now = self._reg.now()
            rids = [resident_id] if isinstance(resident_id, str) else []
            hids = [household_id] if isinstance(household_id, str) else []
            with self._reg.store.unit_of_work() as uow:
                found = load_blocks(uow, rids, hids)
            return [{**b.to_dict(), "state": b.state(now)} for b in found]

        return self._audited("blocks", run, [resident_id] if isinstance(resident_id, str) else [])

    # -- support measures (支援措置) -----------------------------------------------------------
    def set_support_measure(
        self,
        applicant_id: str,
        *,
        perpetrator_ids: Iterable[str],
        accompanying_ids: Iterable[str] = (),
        category: str = "dv",
        starts_on: str | dt.date | None = None,
    ) -> dict[str, Any]:
        """支援措置: protect the applicant (申出者) and accompanying persons from the perpetrators
        (加害者, by 宛名番号) for one year from *starts_on* (today). Returns the measure."""
        self._guard(
            "manage_support_measures", [applicant_id] if isinstance(applicant_id, str) else []
        )
        accompanying = tuple(accompanying_ids) if not isinstance(accompanying_ids, str) else ()
        perpetrators = tuple(perpetrator_ids) if not isinstance(perpetrator_ids, str) else ()

        def run() -> dict[str, Any]:
            found = measures_rules.invalid_settings(
                applicant_id, accompanying, perpetrators, category
            )
            if found:
                raise (LogicError if found[0].code.startswith("KJ-LOGIC") else FormatError)(found)
            start = _as_date(starts_on, "starts_on") if starts_on is not None else self._reg.today()
            with self._reg.store.unit_of_work() as uow:
                for rid in (applicant_id, *accompanying):
                    if uow.residents.get(rid) is None:
                        raise NotFound(problem("KJ-NOTFOUND-001", "resident_id"))
                m = SupportMeasure(
                    measure_id=f"S{uow.sequences.next('support_measure'):08d}",
                    applicant_id=applicant_id,
                    accompanying_ids=accompanying,
                    perpetrator_ids=perpetrators,
                    category=category,
                    starts_on=start,
                    ends_on=measures_rules.period_end(start),
                    set_by=self.operator_id,
                    set_at=self._reg.now(),
                )
                self._put_measure(uow, m, index=True)
                self._record(
                    uow,
                    "set_support_measure",
                    m.protected_ids,
                    measure_id=m.measure_id,
                    category=category,
                    ends_on=m.ends_on.isoformat(),
                )
                uow.commit()
            return m.to_dict()

        return self._audited(
            "set_support_measure", run, [applicant_id] if isinstance(applicant_id, str) else []
        )

    @staticmethod
    def _put_measure(uow: UnitOfWork, m: SupportMeasure, *, index: bool = False) -> None:
        uow.documents.put(measures_rules.KIND, m.measure_id, m.to_dict(), subject=m.applicant_id)
        if index:
            roles = [(rid, "protected") for rid in m.protected_ids] + [
                (rid, "perpetrator") for rid in m.perpetrator_ids
            ]
            for rid, role in roles:
                uow.documents.put(
                    MEASURE_INDEX,
                    f"{m.measure_id}:{rid}",
                    {"measure_id": m.measure_id, "role": role},
                    subject=rid,
                )

    def _change_measure(
        self,
        operation: str,
        measure_id: str,
        change: Callable[[SupportMeasure, dt.date], SupportMeasure],
    ) -> dict[str, Any]:
        concerned: list[str] = []  # a refusal names the persons the measure protects

        def run() -> dict[str, Any]:
            with self._reg.store.unit_of_work() as uow:
                d = (
                    uow.documents.get(measures_rules.KIND, measure_id)
                    if isinstance(measure_id, str)
                    else None
                )
                if d is None:
                    raise NotFound(problem("KJ-NOTFOUND-403", "measure_id"))
                current = SupportMeasure.from_dict(d)
                concerned.extend(current.protected_ids)
                m = change(current, self._reg.today())
                self._put_measure(uow, m)
                self._record(
                    uow,
                    operation,
                    m.protected_ids,
                    measure_id=m.measure_id,
                    ends_on=m.ends_on.isoformat(),
                )
                uow.commit()
                return m.to_dict()

        return self._audited(operation, run, concerned)

    def extend_support_measure(self, measure_id: str) -> dict[str, Any]:
        """延長: a further year, from one month before the current end until that end."""
        self._guard("manage_support_measures")

        def extend(m: SupportMeasure, today: dt.date) -> SupportMeasure:
            refused = measures_rules.extension_refusal(m, today)
            if refused is not None:
                raise LogicError(refused)
            return measures_rules.extended(m, today)

        return self._change_measure("extend_support_measure", measure_id, extend)

    def end_support_measure(self, measure_id: str) -> dict[str, Any]:
        """終了 (申出の撤回): the measure no longer applies from tomorrow."""
        self._guard("manage_support_measures")

        def end(m: SupportMeasure, today: dt.date) -> SupportMeasure:
            if m.ended_on is not None:
                raise LogicError(problem("KJ-LOGIC-403", "measure_id"))
            return attrs.evolve(m, ended_on=today, ended_by=self.operator_id)

        return self._change_measure("end_support_measure", measure_id, end)

    def support_measures(self, resident_id: str) -> list[dict[str, Any]]:
        """The measures naming *resident_id* (as protected or as perpetrator), with
        ``"active"`` and ``"extendable"`` as of today."""
        self._guard(
            "manage_support_measures", [resident_id] if isinstance(resident_id, str) else []
        )

        def run() -> list[dict[str, Any]]:
            from kure_juki.service.session_base import load_measures

            today = self._reg.today()
            with self._reg.store.unit_of_work() as uow:
                found = load_measures(uow, [resident_id]) if isinstance(resident_id, str) else []
            return [
                {
                    **m.to_dict(),
                    "active": m.is_active(today),
                    "extendable": measures_rules.extension_refusal(m, today) is None,
                }
                for m in found
            ]

        return self._audited(
            "support_measures", run, [resident_id] if isinstance(resident_id, str) else []
        )
