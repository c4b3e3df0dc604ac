"""What a certificate says (証明書の記載内容), independent of how it is laid out.

The domain builds a :class:`CertificateDocument` from the register; a printer (text, PDF) only lays
it out. Everything is already text: dates come formatted in 和暦 by the builder, so that every
printer shows the same words and the paper seal (QR code) can sign :meth:`canonical_text`, which
does not depend on any layout.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator

import attrs

from kure_juki.domain.errors import FormatError, problem


class CertificateKind(enum.StrEnum):  # 証明書の種別
    JUMINHYO = "juminhyo"  # 住民票の写し
    JOJO = "jojo"  # 除票の写し
    KISAI_JIKO = "kisai_jiko"  # 住民票記載事項証明書
    TENSHUTSU = "tenshutsu"  # 転出証明書
    TENSHUTSU_JUNZURU = "tenshutsu_junzuru"  # 転出証明書に準ずる証明書
    CODE_NOTICE = "code_notice"  # 住民票コード通知票
    ETSURAN = "etsuran"  # 閲覧用一部の写し (住民基本台帳の一部の写し)
    INKAN = "inkan"  # 印鑑登録証明書


DEFAULT_TITLES: dict[CertificateKind, str] = {
    CertificateKind.JUMINHYO: "住民票の写し",
    CertificateKind.JOJO: "除票の写し",
    CertificateKind.KISAI_JIKO: "住民票記載事項証明書",
    CertificateKind.TENSHUTSU: "転出証明書",
    CertificateKind.TENSHUTSU_JUNZURU: "転出証明書に準ずる証明書",
    CertificateKind.CODE_NOTICE: "住民票コード通知票",
    CertificateKind.ETSURAN: "住民基本台帳の一部の写し",
    CertificateKind.INKAN: "印鑑登録証明書",
}

# 認証文: the sentence above the mayor's name, printed on the last page only. The builder may
# pass another (e.g. 「世帯全員の住民票の原本と…」 for a whole household).
DEFAULT_CERTIFICATIONS: dict[CertificateKind, str] = {
    CertificateKind.JUMINHYO: "この写しは、住民票の原本と相違ないことを証明する。",
    CertificateKind.JOJO: "この写しは、除票の原本と相違ないことを証明する。",
    CertificateKind.KISAI_JIKO: "上記のとおり住民票に記載されていることを証明する。",
    CertificateKind.TENSHUTSU: "上記のとおり転出の届出があったことを証明する。",
    CertificateKind.TENSHUTSU_JUNZURU: (
        "上記の者は、職権で住民票を消除したことを証明する(転出証明書に準ずる証明書)。"
    ),
    CertificateKind.CODE_NOTICE: "あなたの住民票コードは上記のとおりであることを通知します。",
    CertificateKind.ETSURAN: "この写しは、住民基本台帳の一部の写しであることを証明する。",
    CertificateKind.INKAN: "この写しは、登録されている印影と相違ないことを証明する。",
}

HISTORY_COLUMNS: tuple[str, ...] = ("異動日", "事由", "届出日", "内容")

_SERIAL = re.compile(r"[A-Za-z0-9-]{1,32}")


def _check_text(value: str, where: str) -> None:
    # Control characters and line separators would break every layout (and the canonical
    # text's separators); lone surrogates cannot be encoded at all.
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            raise FormatError(problem("KJ-CERT-002", "certificate", where))


def _strs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _fields(values: Iterable[Field]) -> tuple[Field, ...]:
    return tuple(values)


def _sections(values: Iterable[Section]) -> tuple[Section, ...]:
    return tuple(values)


@attrs.frozen
class Field:  # 記載事項 (one item: label and value, ふりがな above a name)
    label: str
    value: str
    reading: str | None = None  # ふりがな, printed small above the value


@attrs.frozen
class HouseholdSection:  # 世帯の記載事項 (世帯主・住所・世帯番号 …)
    fields: tuple[Field, ...] = attrs.field(converter=_fields)
    heading: str | None = None


@attrs.frozen
class PersonSection:  # 個人の記載事項 (one person's 住民票)
    fields: tuple[Field, ...] = attrs.field(converter=_fields)
    heading: str | None = None  # printed above the block, e.g. 「除票」


@attrs.frozen
class HistoryEntry:  # 異動履歴の一行
    occurred_on: str  # 異動日
    reason: str  # 事由
    notified_on: str  # 届出日
    details: str  # 内容


def _rows(rows: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r) for r in rows)


@attrs.frozen
class TableSection:  # 一覧表 (異動履歴、閲覧用の一覧 …)
    columns: tuple[str, ...] = attrs.field(converter=_strs)
    rows: tuple[tuple[str, ...], ...] = attrs.field(converter=_rows)
    heading: str | None = None

    @classmethod
    def history(
        cls, entries: Iterable[HistoryEntry], heading: str | None = "異動履歴"
    ) -> TableSection:  # 異動履歴 (line by line)
        return cls(
            columns=HISTORY_COLUMNS,
            rows=[(e.occurred_on, e.reason, e.notified_on, e.details) for e in entries],
            heading=heading,
        )


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@attrs.frozen
class ImageSection:  # 画像 (印鑑登録証明書の印影 …)
    label: str  # e.g. 印影
    png: bytes = attrs.field(repr=False)  # the image, PNG
    description: str  # what a printer that shows no images prints instead, e.g. 「登録印影」
    heading: str | None = None

    @property
    def digest(self) -> str:
        """SHA-256 of the image: the canonical text (and so the paper seal) covers it."""
        return hashlib.sha256(self.png).hexdigest()


Section = HouseholdSection | PersonSection | TableSection | ImageSection

_SECTION_KINDS: dict[type, str] = {
    HouseholdSection: "household",
    PersonSection: "person",
    TableSection: "table",
    ImageSection: "image",
}


def _default_title(self: CertificateDocument) -> str:
    return DEFAULT_TITLES[self.kind]


def _default_certification(self: CertificateDocument) -> str:
    return DEFAULT_CERTIFICATIONS[self.kind]


@attrs.frozen
class CertificateDocument:  # 証明書 (its content, before any layout)
    kind: CertificateKind = attrs.field(converter=CertificateKind)
    serial: str  # 発行番号
    issued_on: str  # 発行年月日, already in 和暦
    municipality: str  # 市区町村名, e.g. 呉市
    mayor_title: str  # 市区町村長の職名, e.g. 呉市長
    mayor_name: str  # 市区町村長の氏名
    sections: tuple[Section, ...] = attrs.field(converter=_sections)
    remarks: tuple[str, ...] = attrs.field(default=(), converter=_strs)  # 備考
    title: str = attrs.field(default=attrs.Factory(_default_title, takes_self=True))
    certification: str = attrs.field(  # 認証文
        default=attrs.Factory(_default_certification, takes_self=True)
    )
    # 発行番号 as printed (標準5.5): 発行年月日・市区町村名・端末・プリンタ・連番; each page adds
    # its "ページ／総ページ". Empty: the serial alone.
    issue_number: str = ""
    official_seal: str | None = None  # 公印 printed beside the certifier, e.g. 呉市長之印
    phrases: tuple[str, ...] = attrs.field(default=(), converter=_strs)  # 固定文言 (公印省略 …)

    def __attrs_post_init__(self) -> None:
        if not _SERIAL.fullmatch(self.serial):
            raise FormatError(problem("KJ-CERT-001", "serial"))
        if not self.sections:
            raise FormatError(problem("KJ-CERT-003", "sections"))
        for where, text in self.texts():
            _check_text(text, where)
        for i, section in enumerate(self.sections):
            if isinstance(section, TableSection) and (
                not section.columns or any(len(r) != len(section.columns) for r in section.rows)
            ):
                raise FormatError(problem("KJ-CERT-004", "sections", f"sections[{i}]"))
            if isinstance(section, ImageSection) and not section.png.startswith(PNG_SIGNATURE):
                raise FormatError(problem("KJ-CERT-005", "sections", f"sections[{i}].png"))

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every printed string with its path, e.g. ``("sections[1].fields[0].value", "…")``."""
        yield "title", self.title
        yield "issued_on", self.issued_on
        yield "municipality", self.municipality
        yield "mayor_title", self.mayor_title
        yield "mayor_name", self.mayor_name
        if self.issue_number:
            yield "issue_number", self.issue_number
        if self.official_seal is not None:
            yield "official_seal", self.official_seal
        for i, phrase in enumerate(self.phrases):
            yield f"phrases[{i}]", phrase
        for i, section in enumerate(self.sections):
            base = f"sections[{i}]"
            if section.heading is not None:
                yield f"{base}.heading", section.heading
            if isinstance(section, ImageSection):
                yield f"{base}.label", section.label
                yield f"{base}.description", section.description
            elif isinstance(section, TableSection):
                for j, column in enumerate(section.columns):
                    yield f"{base}.columns[{j}]", column
                for j, row in enumerate(section.rows):
                    for k, cell in enumerate(row):
                        yield f"{base}.rows[{j}][{k}]", cell
            else:
                for j, f in enumerate(section.fields):
                    yield f"{base}.fields[{j}].label", f.label
                    yield f"{base}.fields[{j}].value", f.value
                    if f.reading is not None:
                        yield f"{base}.fields[{j}].reading", f.reading
        for i, remark in enumerate(self.remarks):
            yield f"remarks[{i}]", remark
        yield "certification", self.certification

    def canonical_text(self) -> str:
        """The content as one string that no layout changes: what the paper seal signs.

        One record a line, tab-separated; neither can occur inside a value (control characters
        are refused), so the encoding is unambiguous.
        """
        lines = [
            "KJ-CERTIFICATE/1",
            f"kind\t{self.kind.value}",
            f"serial\t{self.serial}",
        ]
        for i, s in enumerate(self.sections):
            lines.append(f"sections[{i}].kind\t{_SECTION_KINDS[type(s)]}")
            if isinstance(s, ImageSection):
                lines.append(f"sections[{i}].png.sha256\t{s.digest}")
        lines.extend(f"{where}\t{text}" for where, text in self.texts())
        return "\n".join(lines) + "\n"
