"""The schema at head, as SQLAlchemy Core tables (the migrations build exactly this).

Two parts, each an Alembic branch: ``main`` (住民マスタ: residents, households, movements, audit
log, operators, counters) and ``vault`` (特定個人情報: My Numbers and the My Numbers lifted out
of movement records, encrypted). The vault sits in the main database unless the store is given
a second one (``my_number_url=``), as the seed's city keeps the 住民マスタ and the 個人番号 DB
apart. No foreign key crosses the two parts for that reason.

Records are stored as typed columns for every item that is searched, sorted or read by SQL, and
an ``extra`` JSON text holding the rest of the record (nested optional items such as 本籍 or
転出予定), so items the domain adds later are kept without a schema change. Derived columns
(清音化かな, comparison forms) exist only for the search indexes and are never read back.

Text keys use the "C" collation on PostgreSQL so that ordering and prefix ranges follow code
points, as Python's string order and the memory adapter do.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

MAIN_TABLES = (
    "households",
    "residents",
    "movements",
    "movement_residents",
    "audit_log",
    "audit_subjects",
    "operators",
    "sequences",
    "code_pool",
    "chain_head",
    "documents",
    "cs_outbox",
    "cs_outbox_streams",
    "cs_outbox_state",
    "cs_identity",
    "import_checkpoints",
)
VAULT_TABLES = ("my_numbers", "movement_secrets", "document_secrets", "vault_meta")


def key_type() -> sa.types.TypeEngine[str]:
    """A text key compared by code point (C collation on PostgreSQL, binary on SQLite)."""
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def serial_type() -> sa.types.TypeEngine[int]:
    """A 64-bit integer key; SQLite needs INTEGER for its rowid alias."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# -- main: 住民マスタ ----------------------------------------------------------------------
households = sa.Table(
    "households",  # 世帯
    metadata,
    sa.Column("household_id", key_type(), primary_key=True),
    sa.Column("head_id", key_type(), nullable=True),
    sa.Column("formed_on", sa.Date(), nullable=False),
    sa.Column("dissolved_on", sa.Date(), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),
)

residents = sa.Table(
    "residents",  # 住民票
    metadata,
    sa.Column("resident_id", key_type(), primary_key=True),  # 宛名番号
    sa.Column("household_id", key_type(), nullable=False),  # 世帯番号
    sa.Column("resident_code", key_type(), nullable=False),  # 住民票コード
    sa.Column("living", sa.Boolean(), nullable=False),  # not a 除票
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("my_number_ref", key_type(), nullable=True),  # row of the vault, never the number
    sa.Column("family_name", sa.Text(), nullable=False),
    sa.Column("given_name", sa.Text(), nullable=False),
    sa.Column("family_name_kana", sa.Text(), nullable=False),
    sa.Column("given_name_kana", sa.Text(), nullable=False),
    sa.Column("family_fold", key_type(), nullable=False),
    sa.Column("given_fold", key_type(), nullable=False),
    sa.Column("family_seion", key_type(), nullable=False),  # 清音化かな
    sa.Column("given_seion", key_type(), nullable=False),
    sa.Column("birth_date", sa.Date(), nullable=False),
    sa.Column("sex", sa.String(10), nullable=False),
    sa.Column("relationship", sa.Text(), nullable=False),  # 続柄
    sa.Column("kind", sa.String(10), nullable=False),  # 住民区分
    sa.Column("postal_code", sa.String(10), nullable=False),
    sa.Column("address_text", sa.Text(), nullable=False),
    sa.Column("address_fold", sa.Text(), nullable=False),
    sa.Column("address_since", sa.Date(), nullable=False),
    sa.Column("address_notified_on", sa.Date(), nullable=False),
    sa.Column("became_resident_on", sa.Date(), nullable=False),
    sa.Column("became_resident_reason", sa.Text(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),
    # 在留カード等の番号, to find a 再転入者's 除票 (revision m0004)
    sa.Column("residence_card", key_type(), nullable=True),
    sa.Index(None, "household_id", "living"),
    sa.Index(None, "resident_code"),
    sa.Index(None, "my_number_ref"),
    # search indexes (revision 0002)
    sa.Index(None, "family_seion", "given_seion"),
    sa.Index(None, "family_fold", "given_fold"),
    sa.Index(None, "given_seion"),
    sa.Index(None, "given_fold"),
    sa.Index(None, "birth_date"),
    sa.Index(None, "residence_card"),
)

# No two living residents share a 住民票コード (住基法30条の2; revision m0003). A 除票
# keeps its code, so the index covers living rows only.
sa.Index(
    "uq_residents_living_code",
    residents.c.resident_code,
    unique=True,
    sqlite_where=residents.c.living,
    postgresql_where=residents.c.living,
)

movements = sa.Table(
    "movements",  # 異動履歴
    metadata,
    sa.Column("movement_id", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("occurred_on", sa.Date(), nullable=True),
    sa.Column("notified_on", sa.Date(), nullable=False),
    sa.Column("processed_on", sa.Date(), nullable=False),
    sa.Column("operator_id", key_type(), nullable=False),
    sa.Column("terminal_id", sa.Text(), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),
)

movement_residents = sa.Table(
    "movement_residents",
    metadata,
    sa.Column(
        "movement_id", sa.BigInteger(), sa.ForeignKey("movements.movement_id"), primary_key=True
    ),
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("resident_id", key_type(), nullable=False),
    sa.Index(None, "resident_id", "movement_id"),
)

audit_log = sa.Table(
    "audit_log",  # 操作ログ (hash chain; append-only)
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text(), nullable=False),
    sa.Column("operator_id", key_type(), nullable=True),
    sa.Column("terminal_id", sa.Text(), nullable=True),
    sa.Column("purpose", sa.Text(), nullable=True),
    sa.Column("operation", sa.Text(), nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("code", sa.String(40), nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),
    sa.Index(None, "operator_id", "seq"),
)

audit_subjects = sa.Table(
    "audit_subjects",
    metadata,
    sa.Column("seq", sa.BigInteger(), sa.ForeignKey("audit_log.seq"), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("subject_id", key_type(), nullable=False),
    sa.Index(None, "subject_id", "seq"),
)

operators = sa.Table(
    "operators",  # 操作者
    metadata,
    sa.Column("operator_id", key_type(), primary_key=True),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),
)

sequences = sa.Table(
    "sequences",  # 宛名番号・世帯番号 … の採番
    metadata,
    sa.Column("name", key_type(), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

code_pool = sa.Table(
    "code_pool",  # 住民票コードの払出し
    metadata,
    sa.Column("position", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("code", key_type(), nullable=False),
    sa.Index(None, "code"),
)

chain_head = sa.Table(
    # The row writers of the register lock (SELECT … FOR UPDATE on PostgreSQL) so that two
    # processes never extend the audit or movement chain from the same head. ``generation``
    # counts commits that changed residents or households: a unit of work that saw the same
    # generation before its reads and under the lock knows its reads are still true.
    "chain_head",
    metadata,
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("generation", sa.BigInteger(), nullable=False, server_default="0"),
)

documents = sa.Table(
    # Auxiliary records as JSON by kind (抑止, 支援措置, 承認, 証明書発行履歴 …), found by key
    # or by the person they concern; My Numbers inside are lifted out into the vault.
    "documents",
    metadata,
    sa.Column("kind", key_type(), primary_key=True),
    sa.Column("key", key_type(), primary_key=True),
    sa.Column("subject", key_type(), nullable=True),
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("sealed", sa.Boolean(), nullable=False),  # has My Numbers in the vault
    sa.Index(None, "kind", "subject", "key"),
)

cs_outbox = sa.Table(
    # 送信待ち電文 for the 市町村CS, written with the change that caused them. The encoded
    # message may hold a My Number: it is kept sealed (SecretBox under key_id), never plain.
    "cs_outbox",
    metadata,
    sa.Column("message_id", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("stream", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("key", key_type(), nullable=False),
    sa.Column("sequence", sa.BigInteger(), nullable=True),  # 更新順番号
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("box", sa.LargeBinary(), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("extra", sa.Text(), nullable=False),  # times, lease, last code
    sa.Index(None, "stream", "state", "message_id"),
)

cs_outbox_streams = sa.Table(
    # One row per delivery stream: a worker claiming a stream locks its row (FOR UPDATE SKIP
    # LOCKED), so two workers never claim from the same stream at once.
    "cs_outbox_streams",
    metadata,
    sa.Column("stream", sa.String(20), primary_key=True),
)

cs_outbox_state = sa.Table(
    # The outbox's counters: "update_sequence" (更新順番号) and "message_id".
    "cs_outbox_state",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

cs_identity = sa.Table(
    # 本人確認情報ファイル: what the CS has been told, by 住民票コード. The My Number of each
    # record is sealed apart from the other items.
    "cs_identity",
    metadata,
    sa.Column("resident_code", key_type(), primary_key=True),
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("box", sa.LargeBinary(), nullable=False),
)

import_checkpoints = sa.Table(
    # The last line of an import file committed, so a crashed import resumes after it.
    "import_checkpoints",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("last_line", sa.BigInteger(), nullable=False),
    sa.Column("records", sa.BigInteger(), nullable=False),
    sa.Column("bad_lines", sa.BigInteger(), nullable=False),
    sa.Column("finished", sa.Boolean(), nullable=False),
)

# -- vault: 特定個人情報 -----------------------------------------------------------------
my_numbers = sa.Table(
    "my_numbers",  # 個人番号 (SecretBox under key_id; blind = keyed BLAKE2b)
    metadata,
    sa.Column("ref", key_type(), primary_key=True),
    sa.Column("resident_id", key_type(), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("box", sa.LargeBinary(), nullable=False),
    sa.Column("blind", sa.LargeBinary(), nullable=False),
    sa.Index(None, "blind"),
)

movement_secrets = sa.Table(
    "movement_secrets",  # My Numbers of a movement record (encrypted JSON)
    metadata,
    sa.Column("movement_id", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("box", sa.LargeBinary(), nullable=False),
)

document_secrets = sa.Table(
    "document_secrets",  # My Numbers of a document (encrypted JSON)
    metadata,
    sa.Column("kind", key_type(), primary_key=True),
    sa.Column("key", key_type(), primary_key=True),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("box", sa.LargeBinary(), nullable=False),
)

vault_meta = sa.Table(
    # Check values that tell a wrong key store from the right one (never a key).
    "vault_meta",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("value", sa.LargeBinary(), nullable=False),
)

SEARCH_INDEXES = (
    "ix_residents_family_seion_given_seion",
    "ix_residents_family_fold_given_fold",
    "ix_residents_given_seion",
    "ix_residents_given_fold",
    "ix_residents_birth_date",
)


def main_tables() -> list[sa.Table]:
    return [metadata.tables[name] for name in MAIN_TABLES]


def vault_tables() -> list[sa.Table]:
    return [metadata.tables[name] for name in VAULT_TABLES]
