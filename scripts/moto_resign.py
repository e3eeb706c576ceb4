"""Reads a token moto issued on stdin and prints it signed again with moto's own bundled
signing key (moto/cognitoidp/resources/jwks-private.json.gz, the key moto signs every token
with), changed as the mode says. Emulator only: the key is public test material, and the token
travels on stdin and stdout, never in argv.

Modes:
  expired         the same token expired an hour ago (the expired token moto would have issued)
  updated-issuer  the same token with the pool's UPDATED issuer form
                  (https://issuer-cognito-idp.<region>.amazonaws.com/<pool id>), as a pool that
                  switched forms has live tokens of both
"""
import base64
import gzip
import json
import sys
import time
from pathlib import Path

import moto.cognitoidp
from joserfc import jwt
from joserfc.jwk import RSAKey

ORIGINAL_HOST = "https://cognito-idp."


def main(mode: str) -> None:
    payload = sys.stdin.read().strip().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if mode == "expired":
        now = int(time.time())
        claims.update(auth_time=now - 7200, iat=now - 7200, exp=now - 3600)
    elif mode == "updated-issuer":
        if not claims["iss"].startswith(ORIGINAL_HOST):
            sys.exit(f"moto_resign: iss is not in the ORIGINAL form: {claims['iss']}")
        claims["iss"] = "https://issuer-cognito-idp." + claims["iss"][len(ORIGINAL_HOST):]
    else:
        sys.exit(f"moto_resign: unknown mode {mode!r} (expired, updated-issuer)")
    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    key = RSAKey.import_key(json.loads(gzip.decompress(path.read_bytes())))
    print(jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) == 2 else "")
