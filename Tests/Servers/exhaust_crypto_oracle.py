#!/usr/bin/env python3
"""An independent implementation of the exhaust file format's consumer side (lern-exhaust-spec §2.10),
with the `cryptography` package, for the host's tests. Commands:
  decrypt-text FILE KEY        the original bytes of a TEXT_KEY_ENCRYPTED_DATASET file, on stdout
  decrypt-rsa FILE PRIVATE.pem the original bytes of a PUBLIC_KEY_ENCRYPTED_DATASET file
  keypair DIR                  writes DIR/private.pem and DIR/public.pem (RSA 2048, X.509 SubjectPublicKeyInfo)
  unzip ZIP [PASSWORD]         the single entry of a zip (ZipCrypto when PASSWORD is given), with zipfile
  platform-encrypt VALUE SALT  the platform's PII encryption (what DecryptUtil undoes): 3 rounds of
                               base64(AES-128/ECB/PKCS5("ThisAsISerceKtey", SALT + value))"""
import base64, hashlib, sys, zipfile
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

def cbc_decrypt(key, data):
    d = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).decryptor()
    u = padding.PKCS7(128).unpadder()
    return u.update(d.update(data) + d.finalize()) + u.finalize()

def split(path):
    level, wrapped, body = open(path, "rb").read().split(b"\n", 2)
    return level.decode(), base64.b64decode(wrapped), body

cmd = sys.argv[1]
if cmd == "decrypt-text":
    level, wrapped, body = split(sys.argv[2])
    assert level == "TEXT_KEY_ENCRYPTED_DATASET", level
    file_key = cbc_decrypt(hashlib.md5(sys.argv[3].encode()).hexdigest().upper().encode(), wrapped)
    sys.stdout.buffer.write(cbc_decrypt(file_key, body))
elif cmd == "decrypt-rsa":
    level, wrapped, body = split(sys.argv[2])
    assert level == "PUBLIC_KEY_ENCRYPTED_DATASET", level
    key = serialization.load_pem_private_key(open(sys.argv[3], "rb").read(), password=None)
    sys.stdout.buffer.write(cbc_decrypt(key.decrypt(wrapped, rsa_padding.PKCS1v15()), body))
elif cmd == "keypair":
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    open(sys.argv[2] + "/private.pem", "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(sys.argv[2] + "/public.pem", "wb").write(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
elif cmd == "unzip":
    z = zipfile.ZipFile(sys.argv[2])
    info = z.infolist()[0]
    sys.stdout.buffer.write(info.filename.encode() + b"\n" + str(info.flag_bits & 1).encode() + b"\n")
    sys.stdout.buffer.write(z.read(info, pwd=sys.argv[3].encode() if len(sys.argv) > 3 else None))
elif cmd == "platform-encrypt":
    value = sys.argv[2]
    for _ in range(3):
        p = padding.PKCS7(128).padder()
        e = Cipher(algorithms.AES(b"ThisAsISerceKtey"), modes.ECB()).encryptor()
        value = base64.b64encode(e.update(p.update((sys.argv[3] + value).encode()) + p.finalize()) + e.finalize()).decode()
    sys.stdout.write(value)
