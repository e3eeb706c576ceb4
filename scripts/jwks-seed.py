#!/usr/bin/env python3
"""Prints a JWKS seed for the authorizer (JWKS_SEED, or a file for JWKS_SEED_FILE): each
issuer's JWKS as its jwks_uri serves it now, as one compact JSON object from issuer to JWKS.

    scripts/jwks-seed.py ap-northeast-1_AbCdEf123            # a Cognito pool, by its ID
    scripts/jwks-seed.py https://auth.example.com/ --jwks-url https://auth.example.com/keys
    sam deploy --parameter-overrides "$(scripts/jwks-seed.py --sam-parameter POOL_ID)"

Run it when you deploy: the seed is the keys of that moment. A key the issuer publishes later
is fetched on first sight (docs/cold-start.md). Over HTTPS with certificate checks (plain http
for a loopback host only, for tests); the authorizer checks every key again at init.
Stdlib only.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
import urllib.parse
import urllib.request

# A pool ID as the verifier accepts it: <region>_<1..64 letters or digits>.
POOL_ID = re.compile(r"^([a-z]+(?:-[a-z0-9]+)+-[0-9]+)_([A-Za-z0-9]{1,64})$")
# Lambda's limit for all of a function's variables together (docs/cold-start.md cites it).
LAMBDA_VARIABLES_BYTES = 4096
MAX_JWKS_BYTES = 150 * 1024


def issuer_of(argument: str) -> str:
    match = POOL_ID.match(argument)
    if match:
        return f"https://cognito-idp.{match.group(1)}.amazonaws.com/{argument}"
    return argument


def checked_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise SystemExit(f"jwks-seed: {url}: https only (plain http for a loopback host only)")
    return url


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuses every redirect, as the authorizer's own fetcher does: a redirect (to plain http,
    say) could put someone else's key into the seed, which the authorizer then trusts."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def fetch(url: str) -> dict:
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(checked_url(url), timeout=10) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
    except OSError as error:
        raise SystemExit(f"jwks-seed: {url}: {error}") from None
    if len(body) > MAX_JWKS_BYTES:
        raise SystemExit(f"jwks-seed: {url}: larger than {MAX_JWKS_BYTES} bytes")
    document = json.loads(body)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise SystemExit(f"jwks-seed: {url}: not a JWKS with keys")
    return document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("issuers", nargs="+", help="Cognito pool IDs or issuer URLs")
    parser.add_argument("--jwks-url", action="append", default=[],
                        help="the JWKS URL of the issuer given in the same position; required for an issuer URL "
                             "(default for a Cognito pool ID: its <issuer>/.well-known/jwks.json)")
    parser.add_argument("--sam-parameter", action="store_true",
                        help='print JwksSeed="..." (quotes escaped) for sam deploy --parameter-overrides')
    args = parser.parse_args(argv)
    if len(args.jwks_url) > len(args.issuers):
        parser.error("more --jwks-url than issuers")
    seed = {}
    for index, argument in enumerate(args.issuers):
        issuer = issuer_of(argument)
        if index < len(args.jwks_url):
            url = args.jwks_url[index]
        elif POOL_ID.match(argument):
            # A Cognito pool publishes its keys here (the authorizer fetches the same URL).
            url = issuer + "/.well-known/jwks.json"
        else:
            # Any other issuer: the keys must come from where the authorizer fetches them (its
            # ISSUERS entry's jwks_uri, or the one its discovery document names), not a guess.
            parser.error(f"{issuer}: give its --jwks-url (the jwks_uri the authorizer uses for it)")
        seed[issuer] = fetch(url)
    text = json.dumps(seed, separators=(",", ":"))
    if args.sam_parameter:
        # SAM CLI strips bare double quotes from an override's value; escaped inside a quoted
        # value they survive.
        print('JwksSeed="' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    else:
        print(text)
    note = f"jwks-seed: {len(text)} bytes for {len(seed)} issuer(s)"
    if len(text) > LAMBDA_VARIABLES_BYTES // 2:
        note += (f"; Lambda allows {LAMBDA_VARIABLES_BYTES} bytes for all variables together: "
                 "if it does not fit, ship it as a file and set JWKS_SEED_FILE")
    print(note, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
