"""The server side of Amazon Cognito's SRP sign-in (`USER_SRP_AUTH`, then the `PASSWORD_VERIFIER`
challenge), as the clients amazon-cognito-identity-js and pycognito compute it; the hook into moto is
`moto_patches.verify_srp`.

The group (3072-bit N, g = 2), the hashes, the `pad_hex` rule, u and the HKDF ("Caldera Derived Key")
are pycognito's `aws_srp` primitives, the client's own; the server's part is SRP-6a's:
v = g^x, B = k·v + g^b, S = (A·v^u)^b (mod N), with x = H(salt | H(pool name | user | ":" | password)).
The password is known here (moto keeps it in clear), so each challenge computes v itself. The client
proves the password with base64(HMAC-SHA256(key, pool name | user | SECRET_BLOCK bytes | TIMESTAMP)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    get_random,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

N: int = hex_to_long(N_HEX)
G: int = hex_to_long(G_HEX)
K: int = hex_to_long(hex_hash(pad_hex(N_HEX) + pad_hex(G_HEX)))
CHALLENGE_SECONDS = 15 * 60  # the longest session Cognito allows (an app client's AuthSessionValidity)


def pool_name(pool_id: str) -> str:
    """`us-east-1_AbC123` → `AbC123`, the pool's part of every SRP hash."""
    return pool_id.split("_", 1)[1]


def password_verifier(pool: str, user_id_for_srp: str, password: str, salt: int) -> int:
    """v = g^x mod N."""
    identity = hash_sha256(f"{pool}{user_id_for_srp}:{password}".encode())
    x: int = hex_to_long(hex_hash(pad_hex(salt) + identity))
    return pow(G, x, N)


def server_public(verifier: int, small_b: int) -> int:
    """B = (k·v + g^b) mod N."""
    return (K * verifier + pow(G, small_b, N)) % N


def signature(
    pool: str,
    user_id_for_srp: str,
    verifier: int,
    small_b: int,
    big_a: int,
    big_b: int,
    secret_block: bytes,
    timestamp: str,
) -> bytes:
    """The PASSWORD_CLAIM_SIGNATURE (base64) of a client that knows the password."""
    u: int = calculate_u(big_a, big_b)
    shared = pow(big_a * pow(verifier, u, N), small_b, N)
    key = compute_hkdf(bytes.fromhex(pad_hex(shared)), bytes.fromhex(pad_hex(long_to_hex(u))))
    message = pool.encode() + user_id_for_srp.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest())


@dataclass(frozen=True)
class Challenge:
    """One PASSWORD_VERIFIER challenge: whose it is, what was sent, and the server's secret b."""

    pool_id: str
    username: str  # the user's actual username: USER_ID_FOR_SRP, and the USERNAME of the answer
    salt: int
    verifier: int
    small_b: int
    big_a: int
    secret_block: str  # base64, also the challenge's session
    opened: float = field(default_factory=time.monotonic)

    @property
    def big_b(self) -> int:
        return server_public(self.verifier, self.small_b)

    def parameters(self) -> dict[str, str]:
        """The challenge parameters Cognito sends with PASSWORD_VERIFIER."""
        return {
            "SALT": long_to_hex(self.salt),
            "SRP_B": long_to_hex(self.big_b),
            "SECRET_BLOCK": self.secret_block,
            "USERNAME": self.username,
            "USER_ID_FOR_SRP": self.username,
        }

    def proves(self, username: str, timestamp: str, claimed: str) -> bool:
        """Whether `claimed` is the signature of this challenge's user, who knows the password."""
        expected = signature(
            pool_name(self.pool_id),
            self.username,
            self.verifier,
            self.small_b,
            self.big_a,
            self.big_b,
            base64.b64decode(self.secret_block),
            timestamp,
        )
        return username == self.username and hmac.compare_digest(expected, claimed.encode())


def open_challenge(pool_id: str, username: str, password: str, srp_a: str) -> Challenge:
    """A fresh challenge for the client's SRP_A (hex); ValueError for an A that is not hex or is 0 mod N."""
    big_a = int(srp_a, 16)
    if big_a % N == 0:
        raise ValueError("SRP_A mod N is 0")
    salt: int = get_random(16)
    return Challenge(
        pool_id=pool_id,
        username=username,
        salt=salt,
        verifier=password_verifier(pool_name(pool_id), username, password, salt),
        small_b=get_random(128) % N,
        big_a=big_a,
        secret_block=base64.b64encode(secrets.token_bytes(64)).decode(),
    )


class Challenges:
    """The open challenges by SECRET_BLOCK: each is answered once, or dropped after CHALLENGE_SECONDS."""

    def __init__(self) -> None:
        self._open: dict[str, Challenge] = {}
        self._lock = threading.Lock()

    def put(self, challenge: Challenge) -> None:
        with self._lock:
            stale = time.monotonic() - CHALLENGE_SECONDS
            for block in [block for block, open_ in self._open.items() if open_.opened < stale]:
                del self._open[block]
            self._open[challenge.secret_block] = challenge

    def take(self, secret_block: str) -> Challenge | None:
        with self._lock:
            return self._open.pop(secret_block, None)


challenges = Challenges()
