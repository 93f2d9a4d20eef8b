"""A light hasher for generated temporary passwords only.

Temporary passwords are 12 random characters from a 56-letter alphabet (about 70 bits): no offline
guessing can cover that space, so a slow hash adds nothing but minutes when a region creates a
thousand school accounts at once (Argon2 takes ~0.2 s per password here). A user's own password is
always hashed with Argon2, and a temporary hash is upgraded to Argon2 at the first login.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password


class TemporaryPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_temporary"
    iterations = 10_000


def hash_temporary(password: str) -> str:
    return make_password(password, hasher="pbkdf2_sha256_temporary")
