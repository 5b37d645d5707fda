"""WeChat callback signatures and safe-mode message encryption (pure).

Signatures are SHA-1 over the sorted, concatenated strings (token, timestamp, nonce[, encrypted
body]). Safe mode is AES-256-CBC with the 43-character EncodingAESKey (base64 of the key,
IV = its first 16 bytes) over random(16) + length(4, network order) + message + app id,
padded PKCS#7 to a 32-byte block as the platform does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kefu.errors import KefuError

BLOCK = 32


class CryptoError(KefuError):
    status_code = 400
    code = "bad_encryption"


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - the platform's scheme


def check_signature(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts), expected.lower())


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise CryptoError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoError("empty ciphertext")
    n = data[-1]
    if not 1 <= n <= BLOCK or data[-n:] != bytes([n]) * n:
        raise CryptoError("bad padding")
    return data[:-n]


def encrypt(encoding_aes_key: str, app_id: str, message: str, *, random: bytes | None = None) -> str:
    key = aes_key(encoding_aes_key)
    body = message.encode()
    plain = (random or os.urandom(16)) + struct.pack(">I", len(body)) + body + app_id.encode()
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(_pad(plain)) + enc.finalize()).decode()


def decrypt(encoding_aes_key: str, app_id: str, encrypted: str) -> str:
    """The message inside; refuses anything not encrypted for this app id."""
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except binascii.Error as exc:
        raise CryptoError("Encrypt is not base64") from exc
    if not raw or len(raw) % 16:
        raise CryptoError("ciphertext length is not a multiple of the AES block")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = _unpad(dec.update(raw) + dec.finalize())
    if len(plain) < 20:
        raise CryptoError("ciphertext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    body, rest = plain[20 : 20 + length], plain[20 + length :]
    if len(body) != length or not hmac.compare_digest(rest, app_id.encode()):
        raise CryptoError("message not encrypted for this account")
    try:
        return body.decode()
    except UnicodeDecodeError as exc:
        raise CryptoError("message is not UTF-8") from exc
