"""The one SHA-256 helper: tokens, API keys and request fingerprints are stored as digests."""

import hashlib


def sha256_hex(text: str) -> str:
    """The hex SHA-256 digest of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode()).hexdigest()
