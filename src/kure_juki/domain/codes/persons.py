"""Codes of who a person is: 続柄 (標準1.1.11) and 再転入・codes never reused (標準4.1.1.2)."""

CODES: dict[str, tuple[str, str]] = {
    "KJ-FMT-601": (
        "続柄は世帯主、夫・妻・夫（未届）・妻（未届）・子・父・母・兄・姉・弟・妹"
        "(「の」で4世代まで)、縁故者又は同居人としてください",
        "The relationship must be 世帯主; 夫, 妻, 夫（未届）, 妻（未届）, 子, 父, 母, 兄, 姉,"
        " 弟 or 妹 joined by の up to four generations; 縁故者 or 同居人",
    ),
    "KJ-FMT-602": (
        "5世代以上つながる続柄は「縁故者」としてください",
        "A relationship of five or more generations is recorded as 縁故者",
    ),
    "KJ-LOGIC-601": (
        "死亡により消除された者の住民票コード・個人番号は使用できません",
        "The resident code or My Number of a deceased person cannot be used",
    ),
    "KJ-LOGIC-602": (
        "住民票コード・個人番号・在留カード番号が除票の者と一致しますが、"
        "生年月日が異なるため同一人と確認できません",
        "A code matches a deleted record whose birth date differs: not the same person",
    ),
    "KJ-LOGIC-603": (
        "住民票コード・個人番号・在留カード番号がそれぞれ別の者を指しています",
        "The person's codes point to different persons",
    ),
    "KJ-LOGIC-604": (
        "同じ除票の者が一つの届出に重複しています",
        "Two persons of the notification match the same deleted record",
    ),
    "KJ-LOGIC-605": (
        "再転入者として選択された宛名番号は、この者の除票ではありません",
        "The former resident id chosen is not a deleted record of this person",
    ),
    "KJ-LOGIC-606": (
        "除票の者の住民票コード・個人番号・在留カード番号は他の者に使用できません",
        "A code of a deleted record cannot be used for anybody else",
    ),
    "KJ-WARN-601": (
        "氏名・性別・生年月日が一致する除票があります。再転入者か確認してください",
        "A deleted record has the same name, sex and birth date: check for a re-entry",
    ),
    "KJ-WARN-602": (
        "再転入者です。従前の宛名番号を引き継ぎました",
        "Re-entry: the former resident id is kept",
    ),
}
