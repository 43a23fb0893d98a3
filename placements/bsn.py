"""The BSN at rest: Fernet-encrypted, plus a keyed hash to find it without decrypting.

Both keys come from settings.BSN_ENCRYPTION_KEY, read when called (never at import). The
plain number exists only in the arguments and return values of these functions: never log
it, never put it in a URL or a task argument.
"""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _key() -> bytes:
    key = settings.BSN_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured("BSN_ENCRYPTION_KEY is not set.")
    return key.encode()


def bsn_encrypt(bsn: str) -> str:
    return Fernet(_key()).encrypt(bsn.encode()).decode()


def bsn_decrypt(token: str) -> str:
    try:
        return Fernet(_key()).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored BSN cannot be decrypted: BSN_ENCRYPTION_KEY differs from the key it "
            "was encrypted with."
        ) from error


def bsn_lookup_hash(bsn: str) -> str:
    """HMAC-SHA256 of the normalised BSN under a key derived from BSN_ENCRYPTION_KEY."""
    lookup_key = hashlib.sha256(b"nvsi-bsn-lookup:" + _key()).digest()
    return hmac.new(lookup_key, bsn.encode(), hashlib.sha256).hexdigest()
