"""Codes of 行政事務標準文字 (MJ) text: intake, the CS's 住基ネット統一文字 and receivers.

KJ-FMT-9xx, KJ-LINK-9xx, KJ-WARN-95x and KJ-CERT-95x are this area's (docs/characters.md).
"""

CODES: dict[str, tuple[str, str]] = {
    "KJ-FMT-901": (
        "行政事務標準文字(MJ)にない文字が含まれています",
        "A character outside the register's character set (MJ and JIS X 0213)",
    ),
    "KJ-FMT-902": (
        "MJ文字図形名の指定に該当する文字がありません",
        "No MJ character with a Unicode form has this MJ文字図形名",
    ),
    "KJ-FMT-903": (
        "提供先の文字セットの指定が正しくありません",
        "Unknown character set for a receiver (mj, jis_x_0213 or jis_x_0208)",
    ),
    "KJ-LINK-901": (
        "住基ネット統一文字のない文字はCSに送信できません",
        "A character without a 住基ネット統一文字 code cannot be sent to the CS",
    ),
    "KJ-WARN-951": (
        "行政事務標準文字(MJ)にない文字が含まれています。確認してください",
        "A character outside the register's character set was accepted: check it",
    ),
}
