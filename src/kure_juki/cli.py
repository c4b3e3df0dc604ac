"""The ``kure-juki`` command.

Subcommands are functions registered in :data:`COMMANDS` with :func:`command`: a name (one or
two words, ``db upgrade``), a help line, the arguments and the function. Each returns a
JSON-ready dict (printed as text, or as JSON with ``--json``) and whether it succeeded.

Exit codes: 0 success; 1 failure (an error of the register — its code is printed, never a
value —, bad lines in an import, a failed check); 2 usage (argparse's own code).

Store options shared by the commands that open one: ``--my-number-url`` (the vault in a second
database) and ``--key-file`` (otherwise the environment or the default key file, see
:mod:`kure_juki.adapters.sqlalchemy.store`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from kure_juki.domain.errors import RegistryError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

Outcome = tuple[dict[str, Any], bool]  # (what to print, success)
Action = Callable[[argparse.Namespace], Outcome]
Configure = Callable[[argparse.ArgumentParser], None]


@attrs.frozen
class Command:
    words: tuple[str, ...]
    help: str
    configure: Configure
    run: Action


COMMANDS: list[Command] = []


def command(
    *words: str, help: str, configure: Configure | None = None
) -> Callable[[Action], Action]:
    """Register a subcommand: ``@command("db", "upgrade", help=…, configure=add_args)``."""

    def register(run: Action) -> Action:
        COMMANDS.append(Command(tuple(words), help, configure or (lambda p: None), run))
        return run

    return register


# The access layer's check of a manager's prior approval for bulk output (一括出力): the
# service wires its own here; until then every export is refused (KJ-STORE-030).
export_approval: Callable[[str | None, int], None] | None = None


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--my-number-url", help="a second database for the My Number vault")
    parser.add_argument("--key-file", help="the key file (default: beside a SQLite database)")
    parser.add_argument("--signing-keys", help="the municipality's signing key file")


def _open(args: argparse.Namespace, *, create: bool = False) -> Any:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

    return SqlAlchemyStore(
        args.url, key_file=args.key_file, my_number_url=args.my_number_url, create=create
    )


# -- db ------------------------------------------------------------------------------------
def _db_upgrade_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the database URL (sqlite:///…, postgresql+psycopg://…)")
    p.add_argument("--my-number-url", help="a second database for the My Number vault")


@command("db", "upgrade", help="create or upgrade the schema to head", configure=_db_upgrade_args)
def db_upgrade(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy import schema
    from kure_juki.adapters.sqlalchemy.engine import make_engine

    engine = make_engine(args.url)
    vault = make_engine(args.my_number_url) if args.my_number_url else None
    try:
        if vault is None:
            schema.upgrade(engine, ["main", "vault"])
        else:
            schema.upgrade(engine, ["main"])
            schema.upgrade(vault, ["vault"])
        with engine.connect() as conn:
            revisions = {"main": schema.current(conn, "main")}
            if vault is None:
                revisions["vault"] = schema.current(conn, "vault")
        if vault is not None:
            with vault.connect() as conn:
                revisions["vault"] = schema.current(conn, "vault")
    finally:
        engine.dispose()
        if vault is not None:
            vault.dispose()
    return {"revisions": revisions}, True


def _url_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the database URL")
    _store_options(p)


@command("db", "check", help="check the stored register's consistency", configure=_url_args)
def db_check(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy.consistency import check_store

    store = _open(args)
    try:
        report = check_store(store)
    finally:
        store.close()
    return report.to_dict(), report.ok


def _session_free_approval(store: Any, operator_id: str) -> Callable[[str | None, int], None]:
    """The access layer's check of a supervisor's token, for an export run without a session."""
    from kure_juki.ports.clock import system_clock
    from kure_juki.service.session_access import approval_check

    return approval_check(store, operator_id=operator_id, clock=system_clock)


def _sign_audit_end(args: argparse.Namespace, store: Any) -> None:
    """Entries appended without a Registry are signed at once with the municipality's key
    (beside a SQLite file, or named by --signing-keys), so the audit log keeps verifying."""
    from kure_juki.ports.clock import system_clock
    from kure_juki.service.audit_checkpoints import checkpoint_store
    from kure_juki.service.signing_keys import SigningKeys, default_key_path

    path = getattr(args, "signing_keys", None) or default_key_path(args.url)
    if path is None:
        return
    checkpoint_store(store, SigningKeys.at_path(path), system_clock().isoformat())


# -- import / export -------------------------------------------------------------------------
def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the database URL")
    p.add_argument("file", type=Path, help="JSON Lines, one household per line")
    p.add_argument("--batch-lines", type=int, default=2000, help="lines per transaction")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that parse and check lines (0: none; default: one per core for 8 MB+)",
    )
    _store_options(p)


@command("import", help="import households from JSON Lines (resumable)", configure=_import_args)
def import_command(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy.bulk import LineError, import_jsonl

    if args.batch_lines <= 0 or (args.workers is not None and args.workers < 0):
        raise SystemExit(EXIT_USAGE)
    errors: list[dict[str, Any]] = []

    def report_line(error: LineError) -> None:
        if not args.json:
            sys.stderr.write(
                f"line {error.line}: {' '.join(error.codes)} {' '.join(error.where)}\n"
            )
        if len(errors) < 1000:
            errors.append(error.to_dict())

    store = _open(args, create=True)
    try:
        report = import_jsonl(
            store,
            args.file,
            batch_lines=args.batch_lines,
            on_error=report_line,
            progress=not args.no_progress,
            workers=args.workers,
        )
        _sign_audit_end(args, store)
    finally:
        store.close()
    return {**report.to_dict(), "errors": errors}, report.bad_lines == 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the database URL")
    p.add_argument("file", type=Path, help="where to write JSON Lines (never My Numbers)")
    p.add_argument("--approval", help="the manager's approval token (一括出力の事前承認)")
    p.add_argument("--operator", default="", help="the operator the approval names")
    _store_options(p)


@command(
    "export", help="export households as JSON Lines, without My Numbers", configure=_export_args
)
def export_command(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.private_files import open_private
    from kure_juki.adapters.sqlalchemy.bulk_export import export_jsonl

    store = _open(args)
    try:
        partial = args.file.with_name(args.file.name + ".partial")
        try:
            approve = export_approval or _session_free_approval(store, args.operator)
            with open_private(partial) as out:  # personal data: the owner's alone
                written = export_jsonl(store, out, approval=args.approval, approve=approve)
            partial.replace(args.file)
        finally:
            partial.unlink(missing_ok=True)
            _sign_audit_end(args, store)  # a refusal is audited too
    finally:
        store.close()
    return {"records": written, "file": str(args.file)}, True


# -- backup / restore ------------------------------------------------------------------------
def _backup_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the database URL")
    p.add_argument("dir", type=Path, help="the directory to write the backup into")
    p.add_argument("--my-number-url", help="a second database for the My Number vault")


@command("backup", help="write a consistent backup of the store", configure=_backup_args)
def backup_command(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy.backup import backup
    from kure_juki.adapters.sqlalchemy.engine import make_engine

    engine = make_engine(args.url)
    vault = make_engine(args.my_number_url) if args.my_number_url else None
    try:
        args.dir.mkdir(parents=True, exist_ok=True)
        result = backup(engine, args.dir, vault_engine=vault)
    finally:
        engine.dispose()
        if vault is not None:
            vault.dispose()
    return {"path": str(result.path), "rows": result.rows}, True


def _restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="a backup directory (kure-juki-backup-…)")
    p.add_argument("url", help="an empty database to restore into")
    _store_options(p)


@command(
    "restore", help="restore a backup into an empty database and check it", configure=_restore_args
)
def restore_command(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy.backup import restore

    result = restore(args.dir, args.url, key_file=args.key_file, my_number_url=args.my_number_url)
    return {"rows": result.rows, "check": result.check.to_dict()}, result.check.ok


# -- keys --------------------------------------------------------------------------------------
@command(
    "keys",
    "rotate",
    help="create a new key and re-encrypt every My Number under it",
    configure=_url_args,
)
def keys_rotate(args: argparse.Namespace) -> Outcome:
    from kure_juki.adapters.sqlalchemy.rotation import rotate_keys

    store = _open(args)
    try:
        report = rotate_keys(store)
    finally:
        store.close()
    return attrs.asdict(report), True


# Subcommands kept in their own modules register themselves when imported.
from kure_juki import cli_demo, cli_doctor  # noqa: E402, F401
from kure_juki.cli_certificates import register_commands as _certificate_commands  # noqa: E402

_certificate_commands()


# -- the parser --------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kure-juki",
        description="The Basic Resident Register (住民基本台帳) library's command line.",
        epilog="exit codes: 0 ok, 1 failure, 2 usage",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for cmd in COMMANDS:
        if len(cmd.words) == 1:
            sub = top.add_parser(cmd.words[0], help=cmd.help, description=cmd.help)
        else:
            group = groups.get(cmd.words[0])
            if group is None:
                holder = top.add_parser(cmd.words[0], help=f"{cmd.words[0]} commands")
                group = holder.add_subparsers(dest="subcommand", required=True, metavar="ACTION")
                groups[cmd.words[0]] = group
            sub = group.add_parser(cmd.words[1], help=cmd.help, description=cmd.help)
        sub.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print the result as JSON",
        )
        cmd.configure(sub)
        sub.set_defaults(run=cmd.run)
    return parser


def _print(result: dict[str, Any], as_json: bool, out: IO[str]) -> None:
    if as_json:
        out.write(json.dumps(result, ensure_ascii=False, sort_keys=True, default=str) + "\n")
        return
    for key, value in result.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, default=str)
        out.write(f"{key}: {value}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result, ok = args.run(args)
    except RegistryError as error:
        problem = {"error": error.to_dict()}
        if args.json:
            _print(problem, True, sys.stdout)
        else:
            sys.stderr.write(f"{error.code}: {error.message_ja} / {error.message_en}\n")
        return EXIT_FAILURE
    _print(result, args.json, sys.stdout)
    return EXIT_OK if ok else EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
