"""``kure-juki doctor URL``: is this register healthy? (運用監視の点検)

Checks, in order (a check that cannot run because an earlier one failed is ``skipped``):

``store``    the store opens; for SQL databases, each part's schema revision against this
             library's head (behind: run ``kure-juki db upgrade URL``), without creating or
             upgrading anything
``keys``     the My Number key store holds every key the vault was sealed with (SQL stores)
``signing``  the municipality's Ed25519 key file (certificates, audit checkpoints) is present
``audit``    the audit chain, every signed checkpoint and the movements' audit entries verify
             (``Registry.verify_audit_log``)
``outbox``   the CS outbox, when the store has one: messages waiting, the oldest one's age,
             messages the peer refused
``cs``       each ``--cs-peer NAME=HOST:PORT`` accepts a TCP connection (when configured)

Each check is ``ok``, ``warning`` (look at it soon), ``failed`` or ``skipped``, with a code from
the catalogue where one applies and figures, never a value of a record. Exit status: 0 when no
check failed (warnings included, unless ``--strict``), 1 when one failed (or, with ``--strict``,
warned), 2 for a usage error. ``--json`` prints ``{"ok", "checks": [...]}`` for monitoring.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from kure_juki.cli import Outcome, command
from kure_juki.domain.errors import RegistryError
from kure_juki.ports.clock import JST
from kure_juki.ports.storage import Store
from kure_juki.service.signing_keys import SigningKeys, default_key_path

Status = Literal["ok", "warning", "failed", "skipped"]
SQL_SCHEMES = ("sqlite", "postgresql")

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.schema import Part


@attrs.frozen
class Check:  # 点検項目
    name: str
    status: Status
    summary: str  # one line for people
    code: str | None = None
    detail: dict[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "summary": self.summary}
        if self.code is not None:
            out["code"] = self.code
        out["detail"] = self.detail
        return out


def _skipped(name: str, why: str) -> Check:
    return Check(name, "skipped", why)


def _is_sql(url: str) -> bool:
    return url.split("://", 1)[0].split("+", 1)[0].lower() in SQL_SCHEMES


# -- store and schema ----------------------------------------------------------------------------
def check_schema(url: str, my_number_url: str | None) -> Check:
    """Each part's revision, read without creating or upgrading anything."""
    from kure_juki.adapters.sqlalchemy import schema
    from kure_juki.adapters.sqlalchemy.engine import make_engine, normalise_url, sqlite_path

    databases: dict[Part, str] = {"main": url, "vault": my_number_url or url}
    parts: dict[str, dict[str, Any]] = {}
    for part, part_url in databases.items():
        path = sqlite_path(normalise_url(part_url))
        if path is not None and not Path(path).is_file():
            return Check("store", "failed", f"no database file for {part}", "KJ-STORE-005",
                         {"part": part})
        engine = make_engine(part_url)
        try:
            with engine.connect() as conn:
                state = schema.state(conn, part)
                revision = schema.current(conn, part)
        except Exception:
            return Check("store", "failed", f"cannot reach the {part} database", "KJ-STORE-005",
                         {"part": part})
        finally:
            engine.dispose()
        parts[part] = {
            "revision": revision,
            "head": schema.head(part),
            "state": state,
        }
    codes = {"fresh": "KJ-STORE-001", "behind": "KJ-STORE-001", "ahead": "KJ-STORE-002",
             "foreign": "KJ-STORE-003"}
    for name, facts in parts.items():
        if facts["state"] != "current":
            return Check("store", "failed", f"schema of {name} is {facts['state']}",
                         codes[facts["state"]], {"parts": parts})
    summary = ", ".join(f"{p} {f['revision']}" for p, f in parts.items()) + " (head)"
    return Check("store", "ok", summary, detail={"parts": parts})


def open_for_checks(args: argparse.Namespace) -> Store:
    if _is_sql(args.url):
        from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

        return SqlAlchemyStore(
            args.url, key_file=args.key_file, my_number_url=args.my_number_url, create=False
        )
    from kure_juki.service.stores import open_store

    return open_store(args.url)


def check_keys(store: Store) -> Check:
    """The store's My Number key store: current key, keys held, keys the vault was sealed
    with (every one of them was checked against the vault when the store opened)."""
    key_store = getattr(store, "key_store", None)
    if key_store is None:
        return _skipped("keys", "this store keeps no key store")
    current, _ = key_store.current_key()
    held = list(key_store.key_ids()) if hasattr(key_store, "key_ids") else [current]
    vault = getattr(store, "vault", None)
    in_use = sorted(getattr(vault, "checked_keys", ()) or ())
    detail = {"current": current, "held": held, "sealed_with": in_use}
    return Check("keys", "ok", f"current {current}, {len(held)} held", detail=detail)


# -- signing keys and audit ----------------------------------------------------------------------
def check_signing_keys(args: argparse.Namespace) -> tuple[Check, SigningKeys | None]:
    """The municipality's signing key file, loaded without ever being created."""
    path = Path(args.signing_keys) if args.signing_keys else default_key_path(args.url)
    if path is None:
        return _skipped("signing", "no key file named (--signing-keys)"), None
    if not path.is_file():
        return Check("signing", "warning", "the signing key file is missing",
                     detail={"path": str(path)}), None
    try:
        keys = SigningKeys.at_path(path)
    except (OSError, ValueError, KeyError):
        return Check("signing", "failed", "the signing key file cannot be read", "KJ-STORE-012",
                     {"path": str(path)}), None
    held = len(keys.public_keys())
    return Check("signing", "ok", f"current {keys.current_id}, {held} held",
                 detail={"path": str(path), "current": keys.current_id, "held": held}), keys


class _ReadOnlyUnitOfWork:
    """A unit of work whose commit is a rollback: whatever opening a register writes (it
    publishes its signing key) never reaches the store the doctor looks at."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> _ReadOnlyUnitOfWork:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)

    def commit(self) -> None:
        self._inner.rollback()


class ReadOnlyStore:
    """The store as the doctor sees it: every read, no write."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.url = inner.url

    def unit_of_work(self) -> Any:
        return _ReadOnlyUnitOfWork(self.inner.unit_of_work())

    def close(self) -> None:
        """The doctor closes the store it opened itself."""


def check_audit(store: Store, args: argparse.Namespace, keys: SigningKeys | None) -> Check:
    """The whole audit log, its checkpoints and the movements' entries, with the municipality's
    key file when there is one; the public keys the register published in the store verify the
    signatures either way."""
    from kure_juki.service.registry import Registry

    registry = Registry(ReadOnlyStore(store), municipality_code=args.municipality,
                        signing_keys=keys or SigningKeys.generate())
    report = registry.verify_audit_log()
    detail = {
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "last_checkpoint_seq": report.last_checkpoint_seq,
        "first_bad_seq": report.first_bad_seq,
        "problems": list(report.problems[:20]),
    }
    if report.ok:
        return Check("audit", "ok", f"{report.entries} entries, {report.checkpoints} checkpoints",
                     detail=detail)
    return Check("audit", "failed", f"the audit log does not verify ({report.reason})",
                 "KJ-INTEGRITY-004", detail)


# -- CS ------------------------------------------------------------------------------------------
def check_outbox(
    store: Store, *, max_pending: int, max_age_minutes: int, now: dt.datetime
) -> Check:
    """Messages waiting for the CS: too many, waiting too long, or refused is a warning."""
    with store.unit_of_work() as uow:
        box = getattr(uow, "outbox", None)
        if box is None:
            return _skipped("outbox", "this store has no CS outbox")
        pending = list(box.entries(state="pending"))
        refused = sum(1 for _ in box.entries(state="refused"))
    oldest = min((e.created_at for e in pending), default=None)
    age = int((now - oldest).total_seconds() // 60) if oldest is not None else 0
    detail = {
        "pending": len(pending),
        "refused": refused,
        "oldest_pending_minutes": age,
        "max_attempts": max((e.attempts for e in pending), default=0),
    }
    late = [
        why
        for why, bad in (
            (f"{len(pending)} waiting", len(pending) > max_pending),
            (f"oldest waiting {age} min", age > max_age_minutes),
            (f"{refused} refused by the peer", refused > 0),
        )
        if bad
    ]
    if late:
        return Check("outbox", "warning", "; ".join(late), detail=detail)
    return Check("outbox", "ok", f"{len(pending)} waiting", detail=detail)


def _peer(spec: str) -> tuple[str, str, int]:
    name, _, address = spec.partition("=")
    host, _, port = address.rpartition(":")
    if not name or not host or not port.isdigit():
        raise argparse.ArgumentTypeError("a peer is NAME=HOST:PORT")
    return name, host.strip("[]"), int(port)


def check_cs(args: argparse.Namespace) -> Check:
    return check_cs_peers(args.cs_peer, timeout=args.cs_timeout)


def check_cs_peers(peers_to_reach: list[tuple[str, str, int]], *, timeout: float) -> Check:
    """Each CS peer (name, host, port) accepts a TCP connection within *timeout* seconds."""
    if not peers_to_reach:
        return _skipped("cs", "no CS peer configured (--cs-peer NAME=HOST:PORT)")
    peers: dict[str, dict[str, Any]] = {}
    for name, host, port in peers_to_reach:
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError:
            peers[name] = {"reachable": False}
        else:
            peers[name] = {"reachable": True, "ms": round((time.monotonic() - started) * 1000)}
    down = sorted(n for n, p in peers.items() if not p["reachable"])
    if down:
        return Check("cs", "failed", f"unreachable: {', '.join(down)}", "KJ-LINK-009",
                     {"peers": peers})
    return Check("cs", "ok", f"{len(peers)} peers reachable", detail={"peers": peers})


# -- the command ---------------------------------------------------------------------------------
AFTER_STORE = ("keys", "signing", "audit", "outbox")


def run_checks(args: argparse.Namespace, now: dt.datetime | None = None) -> list[Check]:
    """Every check on the register at ``args.url`` (the command without its printing)."""
    checks: list[Check] = []
    sql = _is_sql(args.url)
    if sql:
        checks.append(check_schema(args.url, args.my_number_url))
    if checks and checks[0].status != "ok":
        unopened = [_skipped(n, "the store did not open") for n in AFTER_STORE]
        return [*checks, *unopened, check_cs(args)]
    try:
        store = open_for_checks(args)
    except RegistryError as error:
        # The schema is fine (or there is none): what refuses the opening is the key store.
        checks.append(Check("keys" if sql else "store", "failed", error.message_en, error.code))
        rest = [n for n in AFTER_STORE if n not in {c.name for c in checks}]
        return [*checks, *(_skipped(n, "the store did not open") for n in rest), check_cs(args)]
    try:
        if not sql:
            checks.append(Check("store", "ok", f"opened a {args.url.split('://', 1)[0]} store"))
        checks.append(_guarded("keys", lambda: check_keys(store)))
        signing, keys = check_signing_keys(args)
        checks.append(signing)
        checks.append(_guarded("audit", lambda: check_audit(store, args, keys)))
        moment = now or dt.datetime.now(JST)
        checks.append(
            _guarded(
                "outbox",
                lambda: check_outbox(
                    store, max_pending=args.outbox_max, max_age_minutes=args.outbox_max_age,
                    now=moment,
                ),
            )
        )
    finally:
        store.close()
    checks.append(check_cs(args))
    return checks


def _guarded(name: str, step: Callable[[], Check]) -> Check:
    """A check that raises a register error reports it as its own failure."""
    try:
        return step()
    except RegistryError as error:
        return Check(name, "failed", error.message_en, error.code)


def _doctor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the store URL (sqlite:///…, postgresql+psycopg://…, memory://, …)")
    p.add_argument("--my-number-url", help="the My Number vault's database, when apart")
    p.add_argument("--key-file", help="the My Number key file (default: beside a SQLite file)")
    p.add_argument("--signing-keys", help="the signing key file (default: beside a SQLite file)")
    p.add_argument("--municipality", default="342025", help="全国地方公共団体コード (342025)")
    p.add_argument("--outbox-max", type=int, default=1000,
                   help="warn above this many waiting CS messages (1000)")
    p.add_argument("--outbox-max-age", type=int, default=60,
                   help="warn when a CS message waits longer, in minutes (60)")
    p.add_argument("--cs-peer", action="append", type=_peer, default=[],
                   metavar="NAME=HOST:PORT", help="a CS peer to reach (repeatable)")
    p.add_argument("--cs-timeout", type=float, default=3.0, help="seconds per peer (3)")
    p.add_argument("--strict", action="store_true", help="a warning fails too (exit 1)")


@command("doctor", help="check a register's schema, keys, audit chain, CS outbox and link",
         configure=_doctor_args)
def doctor(args: argparse.Namespace) -> Outcome:
    checks = run_checks(args)
    failed = any(c.status == "failed" for c in checks)
    warned = any(c.status == "warning" for c in checks)
    ok = not failed and not (args.strict and warned)
    if getattr(args, "json", False):
        return {"ok": ok, "checks": [c.to_dict() for c in checks]}, ok
    return dict(_lines(checks)), ok


def _lines(checks: list[Check]) -> Iterator[tuple[str, str]]:
    for c in checks:
        code = f" {c.code}" if c.code else ""
        yield c.name, f"{c.status}{code} — {c.summary}"
