"""Codes of authentication, access policy and audit: code -> (日本語, English)."""

CODES: dict[str, tuple[str, str]] = {
    "KJ-AUTH-001": ("操作者IDまたはパスワードが正しくありません", "Wrong operator id or password"),
    "KJ-AUTH-002": (
        "操作者IDはロックされています。管理者に解除を依頼してください",
        "The operator id is locked; ask an administrator to unlock it",
    ),
    "KJ-AUTH-003": ("操作者IDは無効化されています", "The operator id is deactivated"),
    "KJ-AUTH-004": ("パスワードが短すぎます", "The password is too short"),
    "KJ-AUTH-005": (
        "一定時間操作がなかったためログアウトしました",
        "Logged out after the idle timeout",
    ),
    "KJ-AUTH-006": ("ログアウト済みのセッションです", "The session has ended"),
    "KJ-AUTH-007": (
        "操作者が既に存在するため初期管理者は登録できません",
        "Operators already exist: no bootstrap administrator",
    ),
    "KJ-AUTH-008": ("端末IDが正しくありません", "Invalid terminal id"),
    "KJ-ACCESS-001": (
        "この操作資格・事務では実行できない操作です",
        "The role and purpose do not allow this operation",
    ),
    "KJ-ACCESS-002": (
        "本人特定には性別以外の基本4情報のうち2つ以上、またはコードが必要です",
        "A search needs two of the four basic items other than sex, or a code",
    ),
    "KJ-ACCESS-003": ("定義されていない事務です", "Unknown purpose"),
    "KJ-ACCESS-004": ("定義されていない操作資格です", "Unknown role"),
    "KJ-ACCESS-005": ("この事務では個人番号を利用できません", "This purpose may not use My Number"),
    "KJ-ACCESS-006": (
        "大量出力には管理者の事前承認が必要です",
        "Bulk output needs a supervisor's prior approval",
    ),
    "KJ-ACCESS-007": (
        "承認が無効・使用済み・期限切れです",
        "The approval is invalid, used or expired",
    ),
    "KJ-ACCESS-008": (
        "抑止が設定されているため処理できません",
        "A block (抑止) stops this operation",
    ),
    "KJ-ACCESS-009": (
        "支援措置対象者の写しは交付できません",
        "No copy of a protected person's record can be issued",
    ),
    "KJ-ACCESS-010": ("承認件数の上限を超えています", "More records than the approval allows"),
}

# Access and audit controls (issue 4): bulk output, transfers, blocks (抑止), support measures.
CODES.update(
    {
        "KJ-ACCESS-011": ("検索に用いた項目を参照する権限がありません",
                          "The operator may not see the item searched by"),
        "KJ-ACCESS-012": ("この事務からこの移転先へは連携できません",
                          "This purpose may not transfer to this recipient"),
        "KJ-ACCESS-013": ("自身の大量出力は承認できません",
                          "An approver may not approve their own bulk output"),
        "KJ-FMT-401": ("出力の種類または形式が正しくありません", "Unknown export kind or format"),
        "KJ-FMT-402": ("件数が正しくありません", "Invalid record count"),
        "KJ-FMT-403": ("抑止の指定が正しくありません", "Invalid block (抑止) settings"),
        "KJ-FMT-404": ("支援措置の指定が正しくありません", "Invalid support measure settings"),
        "KJ-FMT-405": ("表示切替の指定が正しくありません", "Unknown display switch"),
        "KJ-FMT-406": ("連携の起点が正しくありません", "Invalid starting point of a transfer"),
        "KJ-FMT-407": ("アクセス方針が正しくありません", "Invalid access policy"),
        "KJ-NOTFOUND-401": ("該当する移転先がありません", "No such transfer recipient"),
        "KJ-NOTFOUND-402": ("該当する抑止がありません", "No such block"),
        "KJ-NOTFOUND-403": ("該当する支援措置がありません", "No such support measure"),
        "KJ-LOGIC-401": ("支援措置の延長は期間終了の1か月前から終了日までに行います",
                         "A support measure is extended from one month before its end"),
        "KJ-LOGIC-402": ("解除済みの抑止です", "The block was already lifted"),
        "KJ-LOGIC-403": ("終了した支援措置です", "The support measure has ended"),
        "KJ-LOGIC-404": ("対象の操作者は無効化されています", "The operator is deactivated"),
        "KJ-LOGIC-405": ("加害者と保護対象者が重複しています",
                         "A perpetrator is among the protected persons"),
        "KJ-WARN-401": ("抑止（アラート）が設定されています。確認のうえ処理してください",
                        "A block at alert level: check before proceeding"),
        "KJ-WARN-402": ("抑止の設定期間を過ぎています。解除の要否を確認してください",
                        "A block is past its period: review whether to lift it"),
        "KJ-WARN-403": ("支援措置の対象者です。取扱いに注意してください",
                        "A person under a support measure: handle with care"),
        "KJ-WARN-404": ("抑止を一時解除中です", "A block is temporarily released"),
        "KJ-WARN-405": ("支援措置の期間が1か月以内に終了します（延長の申出を受付できます）",
                        "A support measure ends within a month (it can be extended)"),
    }
)
