"""A machine-to-machine access token from a Cognito user pool's token endpoint: the OAuth 2.0
client-credentials grant, as "The token issuer endpoint" (Amazon Cognito developer guide,
https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html) documents it:

    POST https://<domain>/oauth2/token
    Content-Type: application/x-www-form-urlencoded
    Authorization: Basic Base64Encode(client_id:client_secret)

    grant_type=client_credentials&client_id=<client_id>&scope=<space-separated scopes>

answered with JSON holding `access_token`, `expires_in` and `token_type` (`Bearer`).

The client secret is a password: it goes only into the Authorization header of that one
HTTPS request, never into an argv, a file or a message. The endpoint must be HTTPS, except on
a loopback host (a local stand-in: Cognito's emulators have no token endpoint). Standard
library only.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Dict, Optional

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TIMEOUT_SECONDS = 30
MAX_ANSWER_BYTES = 64 * 1024


class TokenEndpointError(Exception):
    """The request failed; the message names the endpoint's OAuth error code, never a secret."""


def check_endpoint(url: str) -> str:
    """`url` if it is a usable token endpoint URL: https, or http on a loopback host; a path
    ending in /oauth2/token; no credentials, query or fragment."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        raise TokenEndpointError(f"token endpoint {url!r}: must be https (http only on a loopback host)")
    if parts.username or parts.password or parts.query or parts.fragment or not parts.path.endswith("/oauth2/token"):
        raise TokenEndpointError(f"token endpoint {url!r}: must be https://<domain>/oauth2/token")
    return url


def request_for(url: str, client_id: str, client_secret: str, scope: str) -> urllib.request.Request:
    """The documented request (see the module docs)."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    form = {"grant_type": "client_credentials", "client_id": client_id}
    if scope:
        form["scope"] = scope
    return urllib.request.Request(check_endpoint(url), method="POST",
                                  data=urllib.parse.urlencode(form).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Authorization": f"Basic {basic}",
                                           "Accept": "application/json"})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuses every redirect: urllib would otherwise send the request again, Authorization
    (the client secret) included, to whatever Location says, plain http too."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def fetch(url: str, client_id: str, client_secret: str, scope: str = "",
          opener: Optional[urllib.request.OpenerDirector] = None) -> Dict[str, object]:
    """The endpoint's JSON answer, checked to hold a JWT access token of type Bearer."""
    # No proxy from the environment and no redirect: the secret goes to the endpoint and
    # nowhere else (a 3xx is an error naming its status).
    opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    try:
        with opener.open(request_for(url, client_id, client_secret, scope), timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        try:
            code = json.loads(error.read(MAX_ANSWER_BYTES) or b"{}").get("error", "")
        except (ValueError, AttributeError):
            code = ""
        raise TokenEndpointError(f"the token endpoint answered {error.code} {code or '(no OAuth error code)'}") from None
    except OSError as error:
        raise TokenEndpointError(f"the token endpoint could not be reached ({type(error).__name__})") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise TokenEndpointError("the token endpoint's answer is too large")
    try:
        answer = json.loads(body)
    except ValueError:
        raise TokenEndpointError("the token endpoint did not answer JSON") from None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenEndpointError("the token endpoint's answer holds no access token")
    if str(answer.get("token_type", "")).lower() != "bearer":
        raise TokenEndpointError("the token endpoint's answer is not a Bearer token")
    return answer
