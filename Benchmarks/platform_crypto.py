"""The platform's PII encryption (what DecryptUtil undoes), for the generators' user caches."""
import base64
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def platform_encrypt(value):  # 3 rounds of base64(AES-128/ECB/PKCS5("ThisAsISerceKtey", "" + value))
    key = algorithms.AES(b"ThisAsISerceKtey")
    for _ in range(3):
        p = padding.PKCS7(128).padder()
        e = Cipher(key, modes.ECB()).encryptor()
        value = base64.b64encode(e.update(p.update(value.encode()) + p.finalize()) + e.finalize()).decode()
    return value
