"""Codes of the card reader (カードリーダー) and the counter identity check (本人確認).

Device problems (KJ-CARD-001 … 011) are raised as LinkError; malformed card data
(KJ-CARD-012 … 016) as FormatError; KJ-CARD-020 … 026 are not raised but name the items that
failed the counter identity check (窓口での本人確認). The card's My Number is reported with
KJ-FMT-005 and its sex code with KJ-FMT-010, the register's own codes for those items.
"""

CODES: dict[str, tuple[str, str]] = {
    # 機器・カードの状態 (device and card state)
    "KJ-CARD-001": (
        "暗証番号が違います(残り回数をご確認ください)",
        "Wrong PIN (see the number of tries left)",
    ),
    "KJ-CARD-002": (
        "暗証番号がロックされています(市区町村窓口で初期化が必要です)",
        "The PIN is blocked (it must be reset at the municipal counter)",
    ),
    "KJ-CARD-003": (
        "カードが置かれていないか、取り外されました",
        "No card in the reader, or the card was removed",
    ),
    "KJ-CARD-004": ("カードリーダーが見つかりません", "No card reader found"),
    "KJ-CARD-005": (
        "個人番号カードではないか、券面事項入力補助APがありません",
        "Not a My Number card (no card input support application)",
    ),
    "KJ-CARD-006": ("カードのデータ形式が正しくありません", "The card's data is malformed"),
    "KJ-CARD-007": (
        "暗証番号は半角数字4桁で入力してください",
        "The PIN must be exactly 4 ASCII digits",
    ),
    "KJ-CARD-008": ("暗証番号の照合が済んでいません", "The PIN has not been verified"),
    "KJ-CARD-009": ("カードに接続していません", "Not connected to a card"),
    "KJ-CARD-010": ("カードが想定外の応答を返しました", "The card returned an unexpected status"),
    "KJ-CARD-011": (
        "スマートカードサービス(PC/SC)を利用できません",
        "The smart card service (PC/SC) is not available",
    ),
    # カードのデータ (card data)
    "KJ-CARD-012": ("カードに必須の項目がありません", "A required item is missing on the card"),
    "KJ-CARD-013": (
        "カードの文字データがUTF-8として読めません",
        "Text on the card is not valid UTF-8",
    ),
    "KJ-CARD-014": (
        "カードの生年月日が正しくありません(YYYYMMDD)",
        "The birth date on the card is invalid (YYYYMMDD expected)",
    ),
    "KJ-CARD-015": ("カードの氏名または住所が空です", "The name or address on the card is empty"),
    "KJ-CARD-016": (
        "カードのデータが長すぎるか、入れ子が深すぎます",
        "The card's data is too long or nested too deeply",
    ),
    # 窓口での本人確認 (counter identity check): one code per item that does not agree
    "KJ-CARD-020": (
        "氏名がカードと住民記録で一致しません",
        "The name on the card differs from the register",
    ),
    "KJ-CARD-021": (
        "氏名の漢字がカードと住民記録で異なります(異体字の可能性があります)",
        "The name's kanji differ between card and register (possibly variant forms)",
    ),
    "KJ-CARD-022": (
        "住所がカードと住民記録で一致しません",
        "The address on the card differs from the register",
    ),
    "KJ-CARD-023": (
        "住所の漢字がカードと住民記録で異なります(異体字の可能性があります)",
        "The address's kanji differ between card and register (possibly variants)",
    ),
    "KJ-CARD-024": (
        "生年月日がカードと住民記録で一致しません",
        "The birth date on the card differs from the register",
    ),
    "KJ-CARD-025": (
        "性別がカードと住民記録で一致しません",
        "The sex on the card differs from the register",
    ),
    "KJ-CARD-026": (
        "個人番号がカードと住民記録で一致しません",
        "The My Number on the card differs from the register",
    ),
    "KJ-CARD-027": (
        "個人番号を照合できません(表示が許可されていません)",
        "The My Number could not be compared (not visible to this operator)",
    ),
}
