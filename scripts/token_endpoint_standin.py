#!/usr/bin/env python3
"""A stand-in for a Cognito user pool's token endpoint on 127.0.0.1, for the demo and the
tests: Cognito's emulators (moto, cognito-local) have none. It answers only the
client-credentials grant, checks each request exactly as "The token issuer endpoint" (Amazon
Cognito developer guide, https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html)
documents it, and refuses anything else with that page's error codes:

- POST to /oauth2/token, `Content-Type: application/x-www-form-urlencoded`;
- `Authorization: Basic Base64Encode(client_id:client_secret)` naming the machine client and
  its secret (else 400 `invalid_client`);
- `grant_type=client_credentials` (else `unsupported_grant_type`); `client_id`, when present,
  the Basic one; `scope` space-separated, each one the client may have (else `invalid_scope`),
  all of them when absent. A `client_secret` in the body is refused (`invalid_request`):
  stricter than Cognito, so that a caller sending its secret there fails here.

It answers `{"access_token", "expires_in": 3600, "token_type": "Bearer"}` with an access token
shaped as Cognito's client-credentials tokens (no `username`, `sub` = the client ID; the claims
of "Understanding the access token" that are not a user's: `sub`, `iss`, `version`,
`client_id`, `token_use`, `scope`, `auth_time`, `exp`, `iat`, `jti`), signed with moto's
bundled signing key (moto/cognitoidp/resources/jwks-private.json.gz, public test material),
so that anything verifying against moto's JWKS accepts it. Emulator use only.

Run: STANDIN_CLIENT_SECRET=... token_endpoint_standin.py --pool-id P --client-id C --scopes "a b"
(the secret from the environment, never argv); prints `token endpoint listening on URL`.
Importable: `TokenEndpoint(...).start()` runs it in a thread and records each request's verdict.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs

PATH = "/oauth2/token"
FORM = "application/x-www-form-urlencoded"


def moto_signer():
    """moto's bundled RSA key, as joserfc reads it, and a signing function."""
    import moto.cognitoidp
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    key = RSAKey.import_key(json.loads(gzip.decompress(path.read_bytes())))
    return lambda claims: jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


class TokenEndpoint:
    def __init__(self, pool_id: str, client_id: str, client_secret: str, scopes: List[str],
                 region: str = "ap-northeast-1", sign=None):
        self.pool_id, self.client_id, self.client_secret = pool_id, client_id, client_secret
        self.scopes, self.region = list(scopes), region
        self.sign = sign or moto_signer()
        # (verdict, form keys, scope) per request: "ok" or the OAuth error code.
        self.seen: List[Tuple[str, List[str], str]] = []
        self.server: Optional[ThreadingHTTPServer] = None

    def judge(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, Dict[str, object]]:
        def error(code: str) -> Tuple[int, Dict[str, object]]:
            return 400, {"error": code}

        if method != "POST" or path != PATH:
            return 405 if path == PATH else 404, {"error": "invalid_request"}
        if headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
            return error("invalid_request")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("authorization", "") != f"Basic {expected}":
            return error("invalid_client")
        try:
            form = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError):
            return error("invalid_request")
        if any(len(values) != 1 for values in form.values()) or "client_secret" in form:
            return error("invalid_request")
        value = {name: values[0] for name, values in form.items()}
        if value.get("grant_type") != "client_credentials":
            return error("unsupported_grant_type")
        if value.get("client_id", self.client_id) != self.client_id:
            return error("invalid_client")
        asked = value.get("scope", "").split(" ") if "scope" in value else list(self.scopes)
        if not asked or any(scope not in self.scopes for scope in asked):
            return error("invalid_scope")
        now = int(time.time())
        claims = {"sub": self.client_id, "token_use": "access", "scope": " ".join(asked),
                  "auth_time": now, "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}",
                  "exp": now + 3600, "iat": now, "version": 2, "jti": str(uuid.uuid4()),
                  "client_id": self.client_id}
        return 200, {"access_token": self.sign(claims), "expires_in": 3600, "token_type": "Bearer"}

    def start(self, port: int = 0) -> str:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 64 * 1024))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = endpoint.judge(self.command, self.path, headers, body)
                form = sorted(parse_qs(body.decode("ascii", "replace"), keep_blank_values=True))
                endpoint.seen.append(("ok" if status == 200 else str(answer["error"]), form,
                                      str(parse_qs(body.decode("ascii", "replace")).get("scope", [""])[0])))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = do_PUT = handle_one

            def log_message(self, *_args) -> None:  # no request lines (they would hold nothing secret, but stay quiet)
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool-id", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--scopes", required=True, help="space-separated scopes the client may have")
    parser.add_argument("--region", default="ap-northeast-1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    secret = os.environ.get("STANDIN_CLIENT_SECRET", "")
    if not secret:
        print("token-endpoint-standin: STANDIN_CLIENT_SECRET is not set", file=sys.stderr)
        return 2
    endpoint = TokenEndpoint(args.pool_id, args.client_id, secret, args.scopes.split(), args.region)
    print(f"token endpoint listening on {endpoint.start(args.port)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
