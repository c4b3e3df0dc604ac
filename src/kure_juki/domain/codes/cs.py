"""Codes of the CS link (市町村CS連携): code -> (日本語, English).

KJ-LINK-… are refusals and failures of the link itself (envelope, transport, peers); they are
raised as LinkError. The CS-side checks of the 本人確認情報 (SPEC 2.3, seed Ⅲ(2) 5) report
format and logic problems under their own categories so that ``raise_problems`` classifies them
like the register's: KJ-FMT-101… and KJ-LOGIC-101… are reserved for this area (the register's
core codes stop well below 100). Where a CS check is the same rule as a register check, the
core code is reused (KJ-LOGIC-001 転入 of a living person, KJ-LOGIC-003 転居 changing more than
the address, KJ-FMT-005 個人番号, …), so one rule always carries one code.
"""

CODES: dict[str, tuple[str, str]] = {
    # 電文・相互認証 (envelope and mutual authentication)
    "KJ-LINK-001": ("送信元の鍵が登録されていません", "Unknown sender key"),
    "KJ-LINK-002": ("電文の署名が正しくありません", "Bad signature"),
    "KJ-LINK-003": ("受信済みの電文です(ナンスの再使用)", "Replayed message (nonce already seen)"),
    "KJ-LINK-004": (
        "受信済みの電文です(通番が前回以下)",
        "Replayed message (sequence not above the last one seen)",
    ),
    "KJ-LINK-005": ("電文の時刻が許容範囲外です", "Timestamp outside the accepted window"),
    "KJ-LINK-006": (
        "電文の本文を復号できません(改ざんの可能性)",
        "The body cannot be decrypted (tampered, or not for this recipient)",
    ),
    "KJ-LINK-007": ("電文の宛先が自局ではありません", "Wrong recipient"),
    "KJ-LINK-008": ("電文の形式が正しくありません", "Malformed envelope"),
    # 通信 (transport)
    "KJ-LINK-009": ("相手先に接続できません", "Peer unreachable"),
    "KJ-LINK-010": ("相手先の応答がタイムアウトしました", "The peer did not answer in time"),
    "KJ-LINK-011": ("相手先が要求を拒否しました", "The peer refused the request"),
    "KJ-LINK-012": (
        "本人確認情報として市町村CSに送信できない項目です",
        "This item may not leave the register for the CS (not on the whitelist)",
    ),
    "KJ-LINK-013": ("電文が大きすぎます", "Frame too large"),
    "KJ-LINK-014": ("電文の種別が定義されていません", "Unknown message type"),
    "KJ-LINK-015": ("電文の本文の形式が正しくありません", "Malformed message body"),
    "KJ-LINK-016": (
        "相手先が応答せずに切断しました(認証されていない可能性)",
        "The peer closed the connection without a reply (not authenticated?)",
    ),
    "KJ-LINK-017": ("応答が要求に対応していません", "The reply does not answer the request"),
    # 相手先での処理 (refusals by a peer)
    "KJ-LINK-018": (
        "送信元はこの団体の代理として送信できません",
        "The sender may not act for this municipality",
    ),
    "KJ-LINK-019": ("更新順番号が連続していません", "Update sequence gap"),
    "KJ-LINK-020": (
        "使用済みの番号で異なる内容が送信されました",
        "A sequence or message number was reused for different content",
    ),
    "KJ-LINK-021": ("相手先で処理中に障害が発生しました", "The peer failed while processing"),
    "KJ-LINK-022": (
        "整合性確認データが住民票コード順ではありません",
        "Reconciliation data is not strictly ordered by resident code",
    ),
    "KJ-LINK-023": (
        "送付先情報が送信時の内容と一致しません(改変の可能性)",
        "The delivery information differs from what was sent (edited?)",
    ),
    "KJ-LINK-024": ("この相手先では扱えない電文です", "This peer does not handle that message"),
    "KJ-LINK-025": ("鍵の形式が正しくありません", "Malformed key"),
    "KJ-LINK-026": (
        "該当する転出証明書情報がありません",
        "No move-out certificate information for this request",
    ),
    "KJ-LINK-027": (
        "通知番号・管理番号の形式が正しくありません",
        "Invalid notice or management number",
    ),
    "KJ-LINK-028": ("該当する通知がありません", "No such notice"),
    "KJ-LINK-029": ("市町村CSとの連携が設定されていません", "No CS link is configured"),
    "KJ-LINK-030": (
        "個人番号カードの本人の本人確認情報が全国サーバーにありません",
        "The national server holds no identity record for the card holder",
    ),
    "KJ-LINK-031": (
        "相手先の更新順番号の欠番を送信済みの記録から補えません",
        "The peer's update sequence gap cannot be refilled from the outbox",
    ),
    "KJ-LINK-032": (
        "この記憶域はCS送信待ち電文を保存できません",
        "This store has no CS outbox",
    ),
    "KJ-LINK-033": (
        "本人確認情報ファイルの初期作成はできません(更新順番号が既に指定の番号を超えています)",
        "The identity file cannot be loaded: updates were numbered past the given sequence",
    ),
    # 本人確認情報の形式チェック (format checks at the CS)
    "KJ-FMT-101": (
        "清音化かな氏名がふりがな氏名と一致しません",
        "The 清音化かな name does not match the kana name",
    ),
    "KJ-FMT-102": ("外字数が文字列と一致しません", "The 外字数 does not match the text"),
    "KJ-FMT-103": ("異動事由が定義されていません", "Unknown reason for the change (異動事由)"),
    "KJ-FMT-104": ("レコード状況フラグが正しくありません", "Invalid record state flag"),
    "KJ-FMT-105": (
        "更新順番号が正しくありません(1以上の整数)",
        "Invalid update sequence number (an integer from 1)",
    ),
    "KJ-FMT-106": ("大字・字コードの形式が正しくありません", "Invalid 大字・字 code"),
    "KJ-FMT-107": ("タイムスタンプにタイムゾーンがありません", "The timestamp has no time zone"),
    "KJ-FMT-108": (
        "旧氏とそのふりがなは対で記載してください",
        "A former surname and its kana go together",
    ),
    "KJ-FMT-109": (
        "転入前住所のない転入前市町村コードです",
        "A previous municipality code without a previous address",
    ),
    "KJ-FMT-110": ("外字フラグが外字数と一致しません", "The 外字 flag does not match the counts"),
    "KJ-FMT-111": (
        "旧住民票コードが現在の住民票コードと同じです",
        "The old resident code equals the current one",
    ),
    "KJ-FMT-112": (
        "依頼管理番号・操作者ID・操作端末IDの形式が正しくありません",
        "Invalid request number, operator id or terminal id",
    ),
    "KJ-FMT-113": (
        "外字数・外字変更連番が正しくありません(0以上の整数)",
        "Invalid 外字 count or serial (an integer from 0)",
    ),
    "KJ-FMT-114": (
        "転出証明書情報の氏名・ふりがなを氏と名に分けられません",
        "The certificate's name or kana cannot be split into family and given names",
    ),
    "KJ-FMT-115": ("送付先情報の項目が正しくありません", "Invalid 送付先情報 item"),
    # 本人確認情報の論理チェック (logic checks at the CS)
    "KJ-LOGIC-101": (
        "更新の対象となる本人確認情報がありません",
        "No identity record to update (unknown record)",
    ),
    "KJ-LOGIC-102": (
        "住民票コード変更以外の異動で住民票コードは変更できません",
        "The resident code changes only with 住民票コード変更",
    ),
    "KJ-LOGIC-103": (
        "個人番号変更以外の異動で個人番号は変更できません",
        "My Number changes only with 個人番号変更",
    ),
    "KJ-LOGIC-104": (
        "更新順番号が前回の更新以下です",
        "The update sequence is not above the record's previous one",
    ),
    "KJ-LOGIC-105": (
        "更新順番号が前回の通知の次の番号ではありません",
        "The update sequence does not follow the last one applied",
    ),
    "KJ-LOGIC-106": (
        "更新禁止の本人確認情報です",
        "The identity record is marked update-prohibited",
    ),
    "KJ-LOGIC-107": ("排他中の本人確認情報です", "The identity record is locked (排他)"),
    "KJ-LOGIC-108": (
        "異動事由が本人確認情報の異動事由と一致しません",
        "The reason differs from the record's own 異動事由",
    ),
    "KJ-LOGIC-109": (
        "消除の異動では本人確認情報を消除状態(転出は予定者)にしてください",
        "A removal must mark the record deleted (or planned, for a move-out)",
    ),
    "KJ-LOGIC-110": (
        "消除の異動では本人確認情報の項目を変更できません",
        "A removal may not change identity items",
    ),
    "KJ-LOGIC-111": (
        "記載の異動では本人確認情報は現存でなければなりません",
        "An addition must leave the record current",
    ),
    "KJ-LOGIC-112": (
        "消除された本人確認情報に予定者フラグは設定できません",
        "A deleted record cannot be planned",
    ),
    "KJ-LOGIC-113": (
        "旧住民票コードが変更前の住民票コードと一致しません",
        "The old resident code is not the code being replaced",
    ),
    "KJ-LOGIC-114": (
        "住民票コード変更で住民票コードが変わっていません",
        "住民票コード変更 without a new resident code",
    ),
    "KJ-LOGIC-115": ("日付が生年月日より前です", "A date precedes the birth date"),
    "KJ-LOGIC-116": (
        "予定者フラグは転出・転出取消でのみ変更できます",
        "The planned flag changes only with a move-out or its cancellation",
    ),
    "KJ-LOGIC-117": (
        "レコード状況は記載・消除の異動でのみ変わります",
        "The record state changes only with an addition or a removal",
    ),
    # 特例転入・転入通知 (card-based move-in and the notice to the former municipality)
    "KJ-LOGIC-118": (
        "個人番号カードの記載事項が転出証明書情報と一致しません",
        "The card does not match the move-out certificate information",
    ),
    "KJ-LOGIC-119": (
        "転入通知の本人が住民票の記載と一致しません",
        "The move-in notice does not match the resident record",
    ),
    "KJ-LOGIC-120": (
        "転入通知の対象者に転出予定がありません",
        "The person of the move-in notice has no planned move-out",
    ),
}
