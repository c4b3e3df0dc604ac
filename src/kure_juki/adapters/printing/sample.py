"""A synthetic certificate (架空の世帯) to preview a printer's layout, test it and time it.

Every person, address and number here is invented; the numbers are not valid My Numbers.
"""

from __future__ import annotations

import io

from kure_juki.domain.certificate_document import (
    CertificateDocument,
    CertificateKind,
    Field,
    HistoryEntry,
    HouseholdSection,
    ImageSection,
    PersonSection,
    Section,
    TableSection,
)

ADDRESS = "広島県呉市中央九丁目99番99号　架空ハイツ101号"


def _person(
    name: str, reading: str, born: str, sex: str, relationship: str, since: str
) -> PersonSection:
    return PersonSection(
        fields=[
            Field("氏名", name, reading),
            Field("生年月日", born),
            Field("性別", sex),
            Field("続柄", relationship),
            Field("住民となった年月日", since),
            Field("住所を定めた年月日", "令和3年4月1日"),
            Field("届出年月日", "令和3年4月5日 転入"),
            Field("前住所", "広島県広島市中区架空町一丁目2番3号"),
        ]
    )


def sample_household(
    serial: str = "R08-000001", members: int = 3, history_lines: int = 0
) -> CertificateDocument:
    """A household copy (世帯全員の住民票の写し) of *members* people, optionally with history."""
    since = "令和3年4月1日"
    people = [
        _person("髙橋　一郎", "たかはし　いちろう", "昭和50年4月1日", "男", "世帯主", since),
        _person("髙橋　花子", "たかはし　はなこ", "昭和52年10月12日", "女", "妻", since),
        _person("髙橋　𠮷男", "たかはし　よしお", "平成22年1月31日", "男", "子", since),
        _person("髙橋　﨑子", "たかはし　さきこ", "平成25年6月3日", "女", "子", since),
    ]
    persons = [people[i % len(people)] for i in range(members)]
    history = [
        HistoryEntry(f"令和{3 + i // 12}年{i % 12 + 1}月1日", "転居",
                     f"令和{3 + i // 12}年{i % 12 + 1}月5日",
                     f"住所 広島県呉市架空町{i + 1}丁目{i + 2}番{i + 3}号")
        for i in range(history_lines)
    ]
    sections: list[Section] = [
        HouseholdSection(
            fields=[
                Field("住所", ADDRESS),
                Field("世帯主", "髙橋　一郎"),
            ]
        ),
        *persons,
    ]
    if history:
        sections.append(TableSection.history(history))
    return _household_copy(serial, sections)


def sample_seal_impression(name: str = "髙橋", size: int = 240) -> bytes:
    """A PNG of a round seal (印影) with *name* in red, drawn with the body font."""
    from PIL import Image, ImageDraw, ImageFont  # reportlab's own dependency

    from kure_juki.adapters.printing.fonts import default_fonts

    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 30, 40, 255)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=size // 24)
    font = ImageFont.truetype(str(default_fonts()[0]), int(size * 0.8 / max(len(name), 1)))
    step = (size - 40) / max(len(name), 1)
    for i, ch in enumerate(name):  # written top to bottom, as seals are
        draw.text((size / 2, 20 + step * (i + 0.5)), ch, font=font, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample_documents(prefix: str = "R08-1") -> dict[CertificateKind, CertificateDocument]:
    """One synthetic certificate of every kind, to preview and test the printers."""
    head = Field("氏名", "髙橋　一郎", "たかはし　いちろう")
    born = Field("生年月日", "昭和50年4月1日")
    sex = Field("性別", "男")
    documents: dict[CertificateKind, CertificateDocument] = {
        CertificateKind.JUMINHYO: sample_household(serial=f"{prefix}00001", members=3),
    }

    def make(
        kind: CertificateKind, n: int, sections: list[Section], remarks: tuple[str, ...] = ()
    ) -> None:
        documents[kind] = CertificateDocument(
            kind=kind, serial=f"{prefix}{n:05d}", issued_on="令和8年11月26日",
            municipality="呉市", mayor_title="呉市長", mayor_name="架空　太郎",
            sections=sections, remarks=remarks,
        )

    make(CertificateKind.JOJO, 2, [
        PersonSection(heading="除票", fields=[
            Field("氏名", "架空　次郎", "かくう　じろう"), Field("生年月日", "昭和12年2月3日"),
            Field("性別", "男"), Field("続柄", "世帯主"),
            Field("住所", "広島県呉市架空町三丁目4番5号"),
            Field("住民となった年月日", "昭和40年5月6日"),
            Field("消除年月日", "令和7年3月31日 死亡"),
            Field("届出年月日", "令和7年4月2日"),
        ]),
    ])
    make(CertificateKind.KISAI_JIKO, 3, [
        PersonSection(fields=[head, born, sex, Field("住所", ADDRESS)]),
    ], remarks=("提出先: 架空株式会社 人事部",))
    moving = [
        Field("住民票コード", "00000000000"), Field("転出予定年月日", "令和8年12月10日"),
        Field("転出先", "東京都架空区架空一丁目1番1号"),
    ]
    make(CertificateKind.TENSHUTSU, 4, [
        HouseholdSection(fields=[Field("住所", ADDRESS), Field("世帯主", "髙橋　一郎")]),
        PersonSection(fields=[head, born, sex, Field("続柄", "世帯主"), *moving]),
    ], remarks=("転入届の際、転入先の市区町村長に提出してください。",))
    make(CertificateKind.TENSHUTSU_JUNZURU, 5, [
        HouseholdSection(fields=[Field("住所", ADDRESS), Field("世帯主", "髙橋　一郎")]),
        PersonSection(fields=[head, born, sex, Field("続柄", "世帯主"),
                              Field("転出年月日", "令和8年9月1日"),
                              Field("転出先", "東京都架空区架空一丁目1番1号"),
                              Field("職権消除年月日", "令和8年11月20日")]),
    ])
    make(CertificateKind.CODE_NOTICE, 6, [
        PersonSection(fields=[head, born, sex, Field("住所", ADDRESS),
                              Field("住民票コード", "00000000000")]),
    ], remarks=("住民票コードは、住民基本台帳ネットワークシステムで本人確認に用いる番号です。",))
    make(CertificateKind.ETSURAN, 7, [
        TableSection(columns=["氏名", "生年月日", "性別", "住所"], heading="架空町一丁目", rows=[
            (f"架空　{given}", f"平成{k + 2}年{k % 12 + 1}月{k % 28 + 1}日",
             "女" if k % 2 else "男", f"広島県呉市架空町一丁目{k + 1}番{k % 9 + 1}号")
            for k, given in enumerate(["一郎", "花子", "三郎", "四子", "五郎", "六子", "七郎"])
        ]),
    ])
    make(CertificateKind.INKAN, 8, [
        ImageSection(label="印影", png=sample_seal_impression(), description="登録印影"),
        PersonSection(fields=[head, born, Field("住所", ADDRESS)]),
    ])
    return documents


def sample_mj_household(serial: str = "R08-000016") -> CertificateDocument:
    """A household copy whose names need the MJ characters (行政事務標準文字): a Moji_Joho
    variation sequence (葛 U+845B with U+E0104), 髙 and 﨑, and 𠮷 𡈽 𩸽 𠮟 outside the BMP.

    Printed in IPAmj明朝 nothing is substituted; in IPAex 𠮷 becomes 〓 and 葛 loses its variant,
    both noted in the 備考.
    """
    since = "令和3年4月1日"
    family = "葛\U000e0104城"  # 葛 with the Moji_Joho selector VS21: MJ022340
    people = [
        _person(f"{family}　𠮷男", "かつらぎ　よしお", "昭和50年4月1日", "男", "世帯主", since),
        _person(f"{family}　𩸽子", "かつらぎ　ほっけこ", "昭和52年10月12日", "女", "妻", since),
        _person("髙﨑　𡈽", "たかさき　はに", "平成22年1月31日", "男", "妻の子", since),
        _person(f"{family}　𠮟", "かつらぎ　しかる", "平成25年6月3日", "女", "子", since),
    ]
    household = HouseholdSection(
        fields=[Field("住所", "広島県呉市𡈽ケ丘九丁目99番99号"), Field("世帯主", f"{family}　𠮷男")]
    )
    return _household_copy(serial, [household, *people])


def _household_copy(serial: str, sections: list[Section]) -> CertificateDocument:
    """A synthetic 世帯全員の住民票の写し of Kure around *sections*."""
    return CertificateDocument(
        kind=CertificateKind.JUMINHYO,
        serial=serial,
        issued_on="令和8年11月26日",
        municipality="呉市",
        mayor_title="呉市長",
        mayor_name="架空　太郎",
        sections=sections,
        remarks=["世帯全員の住民票の写しです。"],
        certification="この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
    )
