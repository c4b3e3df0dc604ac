"""Codes of storage, keys, bulk data and backups: code -> (日本語, English).

KJ-STORE-… are refusals and failures of a store (schema revision, keys, import lines, backups);
they are raised as plain RegistryError. KJ-INTEGRITY-… mean stored data failed a consistency or
authenticity check (a value that does not decrypt, a backup whose check fails); they are raised
as IntegrityError. Messages are fixed text: never a value, a path or a URL.
"""

CODES: dict[str, tuple[str, str]] = {
    # スキーマ (schema revision)
    "KJ-STORE-001": (
        "データベースのスキーマが古い版です。kure-juki db upgrade URL を実行してください",
        "The database schema is at an older revision: run kure-juki db upgrade URL",
    ),
    "KJ-STORE-002": (
        "データベースのスキーマがこの版のライブラリより新しいため開けません",
        "The database schema is newer than this library: upgrade the library",
    ),
    "KJ-STORE-003": (
        "kure_juki のデータベースではありません(版管理のない表があります)",
        "Not a kure_juki database (tables without a schema revision)",
    ),
    "KJ-STORE-004": (
        "このURLの種類には対応していません",
        "This kind of database URL is not supported",
    ),
    "KJ-STORE-005": (
        "データベースに接続できません、またはロックを取得できません",
        "The database cannot be reached or locked",
    ),
    # 鍵 (key store)
    "KJ-STORE-010": (
        "個人番号の暗号鍵がありません(鍵ストアを確認してください)",
        "The encryption key for My Numbers is missing (check the key store)",
    ),
    "KJ-STORE-011": (
        "鍵ストアがこのデータベースのものではありません",
        "The key store does not belong to this database",
    ),
    "KJ-STORE-012": ("鍵ストアの形式が正しくありません", "The key store is malformed"),
    "KJ-STORE-013": (
        "鍵ファイルの権限が広すぎます(0600にしてください)",
        "The key file is readable by others (make it 0600)",
    ),
    "KJ-STORE-014": (
        "このデータベースには鍵ストアの指定が必要です",
        "This database needs a key store (key_store=, key_file= or the environment)",
    ),
    "KJ-STORE-015": (
        "この鍵ストアでは新しい鍵を作れません(環境変数で新しい鍵を設定してください)",
        "This key store cannot create keys (set the new key in the environment)",
    ),
    "KJ-STORE-801": (
        "住民票コードが重複する住民がいるため更新できません(該当の宛名番号を確認してください)",
        "Living residents share a resident code: the upgrade is refused (see the resident ids)",
    ),
    "KJ-STORE-802": (
        "データベースのファイルが他の利用者から読める権限です(0600にしてください)",
        "The database file is readable by other users (make it 0600)",
    ),
    "KJ-STORE-803": (
        "耐久性の指定が正しくありません(full または normal)",
        "Unknown durability setting (full or normal)",
    ),
    # 一括取込 (bulk import, one problem per bad line)
    "KJ-STORE-020": ("取込データの行がJSONとして読めません", "The import line is not valid JSON"),
    "KJ-STORE-021": (
        "取込データの行の構成が正しくありません",
        "The import line does not have the record shape",
    ),
    "KJ-STORE-022": (
        "宛名番号が既に登録されているか、重複しています",
        "The resident id is already registered or repeated",
    ),
    "KJ-STORE-023": (
        "世帯番号が既に登録されているか、重複しています",
        "The household id is already registered or repeated",
    ),
    "KJ-STORE-024": (
        "世帯主の宛名番号が世帯員の中にありません",
        "The head of household is not one of the household's persons",
    ),
    "KJ-STORE-025": ("日付の前後関係が正しくありません", "Dates of the record are out of order"),
    "KJ-STORE-026": (
        "取込データのファイルが前回の中断時と異なります",
        "The import file differs from the one of the interrupted run",
    ),
    "KJ-STORE-027": (
        "消滅した世帯に住民がいます",
        "A dissolved household still has living members",
    ),
    # 書出し (export)
    "KJ-STORE-030": (
        "書出しの承認確認が設定されていません",
        "No approval check is configured for exports",
    ),
    "KJ-STORE-035": (
        "取込みの作業プロセスが異常終了しました(取り込んだ分は確定済みで、再実行で続きから再開します)",
        "An import worker process ended abnormally (what was committed stays; run the import "
        "again to resume after it)",
    ),
    # バックアップ (backup and restore)
    "KJ-STORE-040": (
        "バックアップが見つからないか形式が正しくありません",
        "The backup is missing or malformed",
    ),
    "KJ-STORE-041": (
        "復元先のデータベースが空ではありません",
        "The restore target database is not empty",
    ),
    "KJ-STORE-042": (
        "バックアップの版にこのライブラリは対応していません",
        "This library cannot restore a backup of that schema revision",
    ),
    # 整合性 (integrity of stored data)
    "KJ-INTEGRITY-001": (
        "暗号化された値を復号できません(鍵違いまたは改ざん)",
        "An encrypted value cannot be decrypted (wrong key or tampering)",
    ),
    "KJ-INTEGRITY-002": (
        "バックアップのファイルが壊れています(チェックサム不一致)",
        "A backup file is damaged (checksum mismatch)",
    ),
    "KJ-INTEGRITY-003": (
        "復元後の件数がバックアップと一致しません",
        "Row counts after the restore differ from the backup",
    ),
    "KJ-INTEGRITY-004": ("操作ログの連鎖が検証できません", "The audit log chain does not verify"),
    "KJ-INTEGRITY-005": (
        "世帯の整合性が保たれていません(世帯主・世帯員)",
        "Household invariants do not hold (head, members)",
    ),
    "KJ-INTEGRITY-006": (
        "住民票コードまたは個人番号が住民の間で重複しています",
        "A resident code or My Number is shared by two living residents",
    ),
    "KJ-INTEGRITY-007": (
        "個人番号の参照先がありません",
        "A resident refers to a My Number that is not stored",
    ),
}
