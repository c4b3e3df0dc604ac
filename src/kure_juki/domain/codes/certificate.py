"""Codes of certificates, their printing and their verification: code -> (日本語, English)."""

CODES: dict[str, tuple[str, str]] = {
    # 記載内容 (content of a certificate document)
    "KJ-CERT-001": ("証明書の発行番号の形式が正しくありません(英数字とハイフン、32文字以内)",
                    "Invalid certificate serial (letters, digits and hyphens, at most 32)"),
    "KJ-CERT-002": ("証明書の記載内容に使用できない文字(制御文字)があります",
                    "Certificate text contains control characters that cannot be used"),
    "KJ-CERT-003": ("証明書の記載内容がありません", "The certificate has no content"),
    "KJ-CERT-004": ("一覧表の列数と行の項目数が一致しません",
                    "A table row does not have one value per column"),
    "KJ-CERT-005": ("画像はPNG形式で指定してください", "An image must be a PNG"),
    # 印刷 (printing)
    "KJ-CERT-010": ("フォントファイルが見つかりません。fonts-ipaexfont を導入するか、"
                    "フォントのパスを指定してください",
                    "Font file not found: install fonts-ipaexfont (apt-get install -y "
                    "fonts-ipaexfont) or configure the font path"),
    "KJ-CERT-011": ("フォントファイルを読み込めません(TrueType形式が必要です)",
                    "The font file cannot be used (a TrueType font is required)"),
    "KJ-CERT-012": ("フォントに代替文字(〓)がありません",
                    "The font lacks the substitute character (〓)"),
    # 署名 (signing and verification)
    "KJ-CERT-020": ("署名鍵IDの形式が正しくありません(英数字と . _ - 、64文字以内)",
                    "Invalid key id (letters, digits, '.', '_', '-', at most 64)"),
    "KJ-CERT-021": ("証明書に署名行がないか、署名行の形式が正しくありません",
                    "The certificate has no signature line or it is malformed"),
    "KJ-CERT-022": ("署名鍵IDが登録されていません", "Unknown signing key id"),
    "KJ-CERT-023": ("署名が一致しません(証明書が改ざんされています)",
                    "The signature does not match: the certificate was altered"),
    "KJ-CERT-024": ("照合コード(QRコード)の形式が正しくありません",
                    "The verification code (QR code) is malformed"),
    "KJ-CERT-025": ("公開鍵の形式が正しくありません(Ed25519 32バイト)",
                    "Invalid public key (Ed25519, 32 bytes)"),
}
