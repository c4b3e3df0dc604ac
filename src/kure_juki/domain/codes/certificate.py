"""Codes of certificates, their printing and their verification: code -> (日本語, English)."""

CODES: dict[str, tuple[str, str]] = {
    # 記載内容 (content of a certificate document)
    "KJ-CERT-001": (
        "証明書の発行番号の形式が正しくありません(英数字とハイフン、32文字以内)",
        "Invalid certificate serial (letters, digits and hyphens, at most 32)",
    ),
    "KJ-CERT-002": (
        "証明書の記載内容に使用できない文字(制御文字)があります",
        "Certificate text contains control characters that cannot be used",
    ),
    "KJ-CERT-003": ("証明書の記載内容がありません", "The certificate has no content"),
    "KJ-CERT-004": (
        "一覧表の列数と行の項目数が一致しません",
        "A table row does not have one value per column",
    ),
    "KJ-CERT-005": ("画像はPNG形式で指定してください", "An image must be a PNG"),
    # 印刷 (printing)
    "KJ-CERT-010": (
        "フォントファイルが見つかりません。fonts-ipaexfont を導入するか、"
        "フォントのパスを指定してください",
        "Font file not found: install fonts-ipaexfont (apt-get install -y "
        "fonts-ipaexfont) or configure the font path",
    ),
    "KJ-CERT-011": (
        "フォントファイルを読み込めません(TrueType形式が必要です)",
        "The font file cannot be used (a TrueType font is required)",
    ),
    "KJ-CERT-012": (
        "フォントに代替文字(〓)がありません",
        "The font lacks the substitute character (〓)",
    ),
    # 署名 (signing and verification)
    "KJ-CERT-020": (
        "署名鍵IDの形式が正しくありません(英数字と . _ - 、64文字以内)",
        "Invalid key id (letters, digits, '.', '_', '-', at most 64)",
    ),
    "KJ-CERT-021": (
        "証明書に署名行がないか、署名行の形式が正しくありません",
        "The certificate has no signature line or it is malformed",
    ),
    "KJ-CERT-022": ("署名鍵IDが登録されていません", "Unknown signing key id"),
    "KJ-CERT-023": (
        "署名が一致しません(証明書が改ざんされています)",
        "The signature does not match: the certificate was altered",
    ),
    "KJ-CERT-024": (
        "照合コード(QRコード)の形式が正しくありません",
        "The verification code (QR code) is malformed",
    ),
    "KJ-CERT-025": (
        "公開鍵の形式が正しくありません(Ed25519 32バイト)",
        "Invalid public key (Ed25519, 32 bytes)",
    ),
    "KJ-CERT-026": ("署名は正しいものの、発行記録と内容が一致しません",
                    "The signature is valid but the file differs from the issuance record"),
    "KJ-CERT-027": ("公開鍵ファイルを読み込めません", "The public keys file cannot be read"),
    # 交付請求 (what is asked for)
    "KJ-CERT-030": ("証明書の種別が正しくありません", "Unknown certificate kind"),
    "KJ-CERT-031": ("記載を求める項目の名前が正しくありません", "Unknown item name in include"),
    "KJ-CERT-032": ("この証明書には記載できない項目です",
                    "This item cannot be printed on this kind of certificate"),
    "KJ-CERT-033": ("出力形式が正しくありません(text または pdf)",
                    "Unknown output format (text or pdf)"),
    "KJ-CERT-034": ("様式が正しくありません(household または individual)",
                    "Unknown layout (household or individual)"),
    "KJ-CERT-035": ("証明の対象者(宛名番号の一覧または世帯番号)を一方だけ指定してください",
                    "Name the persons: a list of resident ids or a household id, not both"),
    "KJ-CERT-036": ("この操作者・事務では参照できない項目は証明書に記載できません",
                    "An item the operator may not see cannot be printed"),
    "KJ-CERT-037": ("消除された住民票は住民票の写しとして交付できません"
                    "(除票の写しを交付してください)",
                    "A deleted record is issued as a 除票の写し, not a 住民票の写し"),
    "KJ-CERT-038": ("消除されていない住民票の除票の写しは交付できません",
                    "Only deleted records have a 除票の写し"),
    "KJ-CERT-039": ("転出の届出がないため転出証明書を交付できません",
                    "No move-out is recorded: no move-out certificate"),
    "KJ-CERT-040": ("転出の内容(予定日・転出先・届出)が異なる者は同じ転出証明書に記載できません",
                    "Persons with different move-outs cannot share one move-out certificate"),
    "KJ-CERT-041": ("転出証明書に準ずる証明書は職権で記載した転出についてのみ交付します",
                    "The 転出証明書に準ずる証明書 is only for a move-out recorded ex officio"),
    "KJ-CERT-042": ("国外への転出には転出証明書を交付しません",
                    "No move-out certificate is issued for a move abroad"),
    "KJ-CERT-043": ("この証明書は一人ごとに交付します", "This certificate is issued per person"),
    "KJ-CERT-044": ("証明の対象となる者がいません", "No person to certify"),
    "KJ-CERT-045": ("請求者の宛名番号が正しくありません", "Unknown requester resident id"),
    "KJ-CERT-046": ("閲覧用の写しには対象の地域または対象者の指定が必要です",
                    "The inspection list needs an area or the persons to list"),
    # 印鑑登録 (seal registration)
    "KJ-CERT-050": ("印影の画像はPNG形式(1MB以内、縦横16〜2000画素)で指定してください",
                    "The seal image must be a PNG of at most 1 MB, 16 to 2000 pixels a side"),
    "KJ-CERT-051": ("本人確認の方法を指定してください", "State how identity was verified"),
    "KJ-CERT-052": ("既に印鑑登録があります(廃止してから登録してください)",
                    "A seal is already registered: abolish it first"),
    "KJ-CERT-053": ("印鑑登録がありません", "No seal is registered"),
    "KJ-CERT-054": ("印鑑登録は廃止されています", "The seal registration was abolished"),
    "KJ-CERT-055": ("消除された住民は印鑑登録できません",
                    "A deleted resident cannot register a seal"),
    "KJ-CERT-056": ("15歳未満の者は印鑑登録できません",
                    "A person under 15 cannot register a seal"),
    "KJ-CERT-057": ("廃止の理由を指定してください", "State the reason for the abolition"),
    # 認証者・公印・発行番号 (標準5.5, 5.6)
    "KJ-CERT-701": ("証明書の設定は40文字以内の1行の文字列で指定してください",
                    "A certificate setting must be one line of at most 40 characters"),
    "KJ-CERT-702": ("認証者は mayor(市区町村長) か deputy(職務代理者) を指定してください",
                    "The certifier must be mayor or deputy"),
    "KJ-CERT-703": ("公印の種類が正しくありません",
                    "Unknown kind of official seal"),
    "KJ-CERT-704": ("固定文言は40文字以内の1行の文字列のリストで指定してください",
                    "Fixed phrases must be a list of lines of at most 40 characters"),
    "KJ-CERT-705": ("職務代理者が設定されていません",
                    "No deputy (職務代理者) is configured"),
    "KJ-CERT-706": ("世帯員の並び順はその世帯の住民をそれぞれ一度ずつ指定してください",
                    "A member order names residents of that household, each once"),
}
