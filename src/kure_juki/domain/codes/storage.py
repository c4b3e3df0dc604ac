"""Error codes of this area: code -> (日本語, English)."""

CODES: dict[str, tuple[str, str]] = {}
