"""Codes of notifications, format checks and logic checks: code -> (日本語, English)."""

CODES: dict[str, tuple[str, str]] = {
    # 形式チェック (format)
    "KJ-FMT-001": ("定義されていない項目があります", "Unknown item in the notification"),
    "KJ-FMT-002": ("必須項目が入力されていません", "A required item is missing"),
    "KJ-FMT-003": ("項目の型が正しくありません", "An item has the wrong type"),
    "KJ-FMT-004": (
        "日付の形式が正しくありません(YYYY-MM-DD)",
        "Invalid date (YYYY-MM-DD expected)",
    ),
    "KJ-FMT-005": (
        "個人番号が正しくありません(12桁・検査用数字)",
        "Invalid My Number (12 digits with check digit)",
    ),
    "KJ-FMT-006": (
        "住民票コードが正しくありません(11桁・検査用数字)",
        "Invalid resident code (11 digits with check digit)",
    ),
    "KJ-FMT-007": (
        "地方公共団体コードが正しくありません(6桁・検査用数字)",
        "Invalid local government code (6 digits with check digit)",
    ),
    "KJ-FMT-008": ("郵便番号の形式が正しくありません", "Invalid postal code"),
    "KJ-FMT-009": ("在留カード等の番号の形式が正しくありません", "Invalid residence card number"),
    "KJ-FMT-010": ("性別が正しくありません", "Invalid sex"),
    "KJ-FMT-011": ("ふりがなは仮名で入力してください", "Name reading must be kana"),
    "KJ-FMT-012": (
        "氏名が空か、使用できない文字を含みます",
        "Name is empty or contains characters that cannot be used",
    ),
    "KJ-FMT-013": ("届出の種別が正しくありません", "Unknown notification type"),
    "KJ-FMT-014": ("続柄が正しくありません", "Invalid relationship to the head of household"),
    "KJ-FMT-015": (
        "文字列が長すぎるか、使用できない文字を含みます",
        "Text too long or contains characters that cannot be used",
    ),
    "KJ-FMT-016": ("法30条45の区分が正しくありません", "Invalid category of Article 30-45"),
    "KJ-FMT-017": (
        "宛名番号・世帯番号の形式が正しくありません",
        "Invalid resident or household id",
    ),
    "KJ-FMT-018": (
        "届出はオブジェクト(辞書)で渡してください",
        "A notification must be an object (dict)",
    ),
    "KJ-FMT-019": ("一人以上の対象者が必要です", "At least one person is required"),
    "KJ-FMT-020": ("職権修正できない項目です", "This item cannot be corrected"),
    "KJ-FMT-021": ("国名が入力されていません", "Country is missing"),
    "KJ-FMT-022": ("同じ人が重複して指定されています", "The same person is listed twice"),
    "KJ-FMT-023": ("格納先のURLが正しくありません", "Invalid store URL"),
    "KJ-FMT-024": ("このURLの格納先アダプタがありません", "No storage adapter for this URL scheme"),
    "KJ-FMT-025": ("検索条件が正しくありません", "Invalid search criteria"),
    # 戸籍の記載どおりの年月日 (標準1.1.8)
    "KJ-FMT-701": (
        "戸籍の記載どおりの年月日として読めません(暦日・不詳日の形式)",
        "Not a date as the family register records it (a day or a form of unknown date)",
    ),
    "KJ-FMT-702": (
        "この項目は暦上日のみ入力できます(戸籍の記載どおりの年月日は不可)",
        "This item takes calendar days only (no date as the family register records it)",
    ),
    "KJ-FMT-703": (
        "並べ替え用の日付が記載どおりの年月日の期間外です",
        "The sort date lies outside the period the recorded date states",
    ),
    # 論理チェック (logic)
    "KJ-LOGIC-001": (
        "既に住民である者の転入はできません(住民票コード)",
        "Move-in of a person who is already a resident (resident code)",
    ),
    "KJ-LOGIC-002": (
        "既に住民である者の転入はできません(個人番号)",
        "Move-in of a person who is already a resident (My Number)",
    ),
    "KJ-LOGIC-003": (
        "転居では住所以外の項目は変更できません",
        "A move within the municipality may change the address only",
    ),
    "KJ-LOGIC-004": ("生年月日が未来の日付です", "Birth date is in the future"),
    "KJ-LOGIC-005": ("届出日が未来の日付です", "Notification date is in the future"),
    "KJ-LOGIC-006": (
        "届出日が異動日より前です",
        "Notification date is before the date of the move",
    ),
    "KJ-LOGIC-007": ("異動日が未来の日付です", "Date of the move is in the future"),
    "KJ-LOGIC-008": (
        "世帯主はただ一人でなければなりません",
        "A household must have exactly one head",
    ),
    "KJ-LOGIC-009": (
        "日本人住民には本籍・筆頭者が必要です",
        "A Japanese resident needs a registered domicile and its head",
    ),
    "KJ-LOGIC-010": (
        "外国人住民には国籍・法30条45の区分が必要です",
        "A foreign resident needs a nationality and an Article 30-45 category",
    ),
    "KJ-LOGIC-011": (
        "消除された住民票には職権修正のみ可能です",
        "A deleted record takes no movement but a correction",
    ),
    "KJ-LOGIC-012": (
        "対象者が同じ世帯に属していません",
        "The persons do not belong to the household given",
    ),
    "KJ-LOGIC-013": (
        "届出内で住民票コードまたは個人番号が重複しています",
        "Resident code or My Number repeated within the notification",
    ),
    "KJ-LOGIC-015": (
        "新しい世帯主は当該世帯の住民でなければなりません",
        "The new head must be a living member of the household",
    ),
    "KJ-LOGIC-016": (
        "世帯員全員の続柄を世帯主との関係で指定してください",
        "Give every member's relationship to the new head",
    ),
    "KJ-LOGIC-017": (
        "出生の届出先世帯に住民がいません",
        "The household of the birth has no living member",
    ),
    "KJ-LOGIC-018": (
        "転出予定日が届出日より14日以上前のため職権で記載します",
        "Move-out notified more than 14 days after the move",
    ),
    "KJ-LOGIC-019": ("同じ世帯には合併できません", "A household cannot be merged into itself"),
    "KJ-LOGIC-020": ("世帯全員の世帯分離はできません", "A split cannot take every member"),
    "KJ-LOGIC-021": ("既に転出予定です", "A move-out is already planned"),
    "KJ-LOGIC-022": ("転出予定者ではありません", "The person has no planned move-out"),
    "KJ-LOGIC-023": ("生年月日が異動日より後です", "Birth date is after the date of the move"),
    "KJ-LOGIC-024": (
        "外国人住民に本籍・筆頭者は記載できません",
        "A foreign resident has no registered domicile",
    ),
    "KJ-LOGIC-025": (
        "住民票コードの払出し可能数がありません",
        "The resident code pool is exhausted",
    ),
    "KJ-LOGIC-026": ("死亡日が生年月日より前です", "Date of death is before the birth date"),
    "KJ-LOGIC-027": (
        "住民票コードまたは個人番号が他の住民と重複します",
        "Resident code or My Number already used by a living resident",
    ),
    "KJ-LOGIC-028": (
        "異動日が直前の異動日より前です",
        "Date of the move precedes the previous movement",
    ),
    "KJ-LOGIC-029": (
        "転入元が当市区町村です(転居として届け出てください)",
        "Previous address is in this municipality (file a move within)",
    ),
    "KJ-LOGIC-030": (
        "転出先が当市区町村です(転居として届け出てください)",
        "Destination is in this municipality (file a move within)",
    ),
    "KJ-LOGIC-031": ("修正する項目がありません", "Nothing to correct"),
    "KJ-LOGIC-032": ("転居前と同じ住所です", "The new address is the current address"),
    "KJ-LOGIC-033": (
        "住民区分に合わない届出です",
        "The notification does not fit the resident's kind",
    ),
    "KJ-LOGIC-034": (
        "世帯主の続柄は「世帯主」でなければなりません",
        "The head's relationship must be 世帯主",
    ),
    "KJ-LOGIC-035": (
        "出生届の対象者は出生日に生まれた者でなければなりません",
        "A birth's person must be born on the date of the birth",
    ),
    "KJ-LOGIC-036": (
        "転出予定日を過ぎていないため消除できません",
        "The planned move-out date has not yet come",
    ),
    "KJ-LOGIC-037": ("消除済みの住民です", "The record is already deleted"),
    "KJ-LOGIC-040": (
        "中長期在留者には在留資格が必要です",
        "A mid- to long-term resident needs a status",
    ),
    "KJ-LOGIC-041": (
        "中長期在留者には在留期間の満了日が必要です",
        "A mid- to long-term resident needs the expiry of the period of stay",
    ),
    "KJ-LOGIC-042": (
        "中長期在留者には在留カードの番号が必要です",
        "A mid- to long-term resident needs a residence card number",
    ),
    "KJ-LOGIC-043": (
        "特別永住者には特別永住者証明書の番号が必要です",
        "A special permanent resident needs the certificate number",
    ),
    "KJ-LOGIC-044": (
        "一時庇護許可者には上陸期間の満了日が必要です",
        "A temporary refuge permit holder needs the end of the landing period",
    ),
    "KJ-LOGIC-045": (
        "仮滞在許可者には仮滞在期間の満了日が必要です",
        "A provisional stay permit holder needs the end of the provisional stay",
    ),
    "KJ-LOGIC-046": (
        "在留期間が異動日より前に満了しています",
        "The period of stay ended before the date of the move",
    ),
    "KJ-LOGIC-047": (
        "変更前の在留情報が住民票と一致しません",
        "The notice's previous status does not match the register",
    ),
    "KJ-LOGIC-048": (
        "新しい在留期間の満了日が異動日以前です",
        "The new end of the period of stay is not after the date of the change",
    ),
    "KJ-LOGIC-049": (
        "既に通称が記載されています(先に削除してください)",
        "An alias is already recorded (delete it first)",
    ),
    "KJ-LOGIC-050": ("通称が記載されていません", "No alias is recorded"),
    "KJ-LOGIC-051": (
        "既に旧氏が記載されています(先に削除してください)",
        "A former surname is already recorded (delete it first)",
    ),
    "KJ-LOGIC-052": ("旧氏が記載されていません", "No former surname is recorded"),
    "KJ-LOGIC-053": (
        "取消対象の異動の後に同じ記録を変更した異動があります(後の異動から取消してください)",
        "A later movement changed the same records: cancel it first",
    ),
    "KJ-LOGIC-054": ("この異動は取消できません", "This movement cannot be cancelled"),
    "KJ-LOGIC-055": ("個別記載事項の種別が正しくありません", "Unknown individual entry item"),
    "KJ-LOGIC-056": (
        "この事務ではこの個別記載事項を記載できません",
        "This purpose may not record this individual entry",
    ),
    # 世帯と住所 (a household lives at one address, 住基法6条; 標準4.0.2)
    "KJ-LOGIC-501": (
        "世帯の一部の者の転居です。異動先の世帯(新たな世帯又は転居先の世帯)を指定してください",
        "Only part of the household moves: name the household they form or join at the new address",
    ),
    "KJ-LOGIC-502": (
        "指定した世帯の住所と異なる住所です",
        "The household named lives at another address",
    ),
    "KJ-LOGIC-503": (
        "世帯の一部の者は従前の世帯のまま転居できません",
        "Part of a household cannot move and stay in the household it leaves",
    ),
    "KJ-LOGIC-504": (
        "住所の異なる世帯は合併できません",
        "Households at different addresses cannot be merged",
    ),
    "KJ-LOGIC-505": (
        "異動先の世帯を指定しない転居では世帯主・続柄を指定できません",
        "A head or relationships are given only with the household the movers form or join",
    ),
    "KJ-LOGIC-506": (
        "取消すと世帯員の住所が異なることになります(後の異動から取消してください)",
        "The cancellation would leave a household at two addresses: cancel the later one first",
    ),
    "KJ-WARN-001": (
        "届出期間経過(異動日から14日を超えた届出)",
        "Notified more than 14 days after the move (届出期間経過)",
    ),
    "KJ-WARN-002": (
        "世帯主が不在です。世帯主変更の届出が必要です",
        "The household has no head: a change of head must be notified",
    ),
    "KJ-WARN-003": (
        "転出後14日を超えた届出のため職権記載し、転出証明書に準ずる証明書を交付します",
        "Move-out notified late: recorded ex officio; a substitute certificate is issued",
    ),
    "KJ-WARN-004": (
        "残る世帯員一人を職権で世帯主としました",
        "The one remaining member became head ex officio",
    ),
    "KJ-WARN-005": (
        "住民票コードの残数が少なくなっています",
        "The resident code pool is running low",
    ),
    "KJ-WARN-501": (
        "世帯主が転出します。残る世帯員が二人以上のため、世帯主変更の届出が必要です",
        "The head moves out and two or more members remain: a change of head must be notified",
    ),
    # 該当なし (not found)
    "KJ-NOTFOUND-001": ("該当する住民がありません", "No such resident"),
    "KJ-NOTFOUND-002": ("該当する世帯がありません", "No such household"),
    "KJ-NOTFOUND-003": ("該当する操作者がありません", "No such operator"),
    "KJ-NOTFOUND-004": ("該当する証明書がありません", "No such certificate"),
    "KJ-NOTFOUND-005": ("該当する異動がありません", "No such movement"),
    # 排他 (conflict)
    "KJ-CONFLICT-001": (
        "他の処理が先に更新しました。再度実行してください",
        "Someone else changed the record first; retry",
    ),
    "KJ-CONFLICT-002": (
        "その操作者IDは既に使用されています(再利用不可)",
        "That operator id is taken (ids are never reused)",
    ),
    # 一意性 (no two living residents share a number; nothing is written)
    "KJ-CONFLICT-801": (
        "住民票コードが他の住民と重複するため記録できません",
        "Another living resident holds this resident code: nothing was written",
    ),
    "KJ-CONFLICT-802": (
        "個人番号が他の住民と重複するため記録できません",
        "Another living resident holds this My Number: nothing was written",
    ),
    # 外国人住民の在留期間 (住基法30条の45)
    "KJ-FMT-711": (
        "在留期間の形式が正しくありません(例: 3年, 6月, 5年3月, 90日)",
        "Invalid period of stay (e.g. 3年, 6月, 5年3月, 90日)",
    ),
    "KJ-LOGIC-802": (
        "在留期間は外国人住民の記載事項です",
        "A period of stay is an item of a foreign resident's record only",
    ),
}
