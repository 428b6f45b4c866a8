"""Talking to SPARQL servers: the one HTTP client (kg load, and kg query --endpoint through
kg.endpoint) and the one redaction helper for every message.

Rules kept here so both commands share them:
- Requests go only to the URL the user named: redirects are refused (a server could otherwise
  send us, and our credentials, anywhere), and nothing else is contacted.
- No secret in any message: `redact()` removes user:password@ from URLs, Authorization/Cookie
  header values, `password=`-style parameters and every password this process was given, also
  inside the text a server sends back (a hostile store can echo our request, headers included).
- Only the standard library (urllib): no dependency, and Digest auth (Virtuoso) works.
"""
from __future__ import annotations

import base64
import netrc
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable, Iterable

from kg.errors import KgError

RESULTS_JSON = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9, text/plain;q=0.5"
MAX_SERVER_WORDS = 200

# --------------------------------------------------------------------------- redaction
_SECRETS: set[str] = set()
_MIN_SECRET = 3  # a shorter "secret" would blank out ordinary words; it protects nothing anyway
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]*@")
_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key)"
                     r"([\"']?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\r\n]*)")
_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|pass|secret|token|api[_-]?key|access[_-]?token|auth)"
                    r"([\"']?\s*[=:]\s*[\"']?)([^\s&;,\"'<>]+)")


def remember_secret(*values: str | None) -> None:
    """Register secrets (passwords) so every later message hides them, in any usual encoding."""
    for v in values:
        if v and len(v) >= _MIN_SECRET:
            _SECRETS.update({v, urllib.parse.quote(v, safe=""), urllib.parse.quote_plus(v)})


def redact(text: str) -> str:
    """`text` with credentials replaced by ***: URL user-info, Authorization/Cookie values,
    password=/token= parameters, and every remembered secret (also as Basic-auth base64)."""
    text = _USERINFO.sub(r"\1***@", text)
    text = _HEADER.sub(r"\1\2***", text)
    text = _PARAM.sub(r"\1\2***", text)
    for s in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(s, "***")
    return text


def mask_url(url: str) -> str:
    """The URL without user:password@ and with secret-looking parameters masked."""
    return redact(url)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """(URL without user:password@, (user, password) or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username:
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        creds = (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), creds
    return url, None


def credentials(url: str, user: str | None, password: str | None) -> tuple[str, str] | None:
    """Explicit user/password (options or KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD), else ~/.netrc."""
    if user:
        return user, password or ""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        auth = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        auth = None
    if auth and auth[0]:
        return auth[0], auth[2] or ""
    return None


def check_http_url(url: str) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not urllib.parse.urlsplit(url).hostname:
        raise KgError(f"not an http(s) URL: {mask_url(url)}")
    return url


# --------------------------------------------------------------------------- HTTP
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise KgError(f"{mask_url(urllib.parse.unquote(req.full_url))} answered HTTP {code}, a redirect to "
                      f"{mask_url(newurl)}; "
                      "kg sends requests only to the URL you give it: pass the final URL")


class Http:
    """urllib with Basic *and* Digest auth (Virtuoso asks for Digest), retries and clear errors."""

    def __init__(self, creds: tuple[str, str] | None, urls: Iterable[str], *, timeout: float = 60.0,
                 retries: int = 0, backoff: float = 0.5,
                 out: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)):
        self.creds, self.timeout, self.retries, self.backoff, self.out = creds, timeout, retries, backoff, out
        handlers: list = [_NoRedirect()]
        if creds:
            remember_secret(creds[1])
            remember_secret(base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode())
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for u in urls:
                mgr.add_password(None, u, *creds)
            handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                *, what: str = "the store") -> tuple[int, dict, bytes]:
        """Send with bounded exponential backoff on connection errors and 5xx; raise KgError.

        Returns (status, headers as a lower-case dict, body)."""
        attempt, wait = 0, self.backoff
        where = f"{method} {urllib.parse.unquote(mask_url(url))}"
        while True:
            req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
            try:
                with self.opener.open(req, timeout=self.timeout) as resp:
                    hdrs = {k.lower(): v for k, v in resp.headers.items()}
                    return resp.status, hdrs, resp.read()
            except urllib.error.HTTPError as exc:
                text = server_words(exc)
                if exc.code < 500 or attempt >= self.retries:
                    raise KgError(http_message(exc.code, exc.reason, where, text, what)) from None
                why = f"HTTP {exc.code}"
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                if body and isinstance(reason, (BrokenPipeError, ConnectionResetError)):
                    # Some servers (Virtuoso) answer 401 before reading a big body and close the
                    # socket, so we see a broken pipe. Ask again without a body to learn the status.
                    self._probe(url, where, what)
                if attempt >= self.retries:
                    tries = f"; gave up after {attempt + 1} attempts" if self.retries else ""
                    raise KgError(redact(f"cannot reach {what} ({where}): {reason}{tries}")) from None
                why = str(reason)
            attempt += 1
            self.out(redact(f"  retry {attempt}/{self.retries} in {wait:.1f} s ({why})"))
            time.sleep(wait)
            wait *= 2

    def _probe(self, url: str, where: str, what: str) -> None:
        try:
            with self.opener.open(urllib.request.Request(url, method="HEAD"), timeout=self.timeout):
                return
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (404, 405):
                raise KgError(http_message(exc.code, exc.reason, where, server_words(exc), what)) from None
        except (urllib.error.URLError, OSError):
            return


def server_words(exc: urllib.error.HTTPError) -> str:
    """The start of an error body as one line of plain words, secrets removed."""
    try:
        raw = exc.read()[:4000].decode("utf-8", "replace")
    except Exception:  # a broken body must not hide the status
        raw = ""
    if "<html" in raw.lower() or "<body" in raw.lower():
        raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S | re.I)
        raw = re.sub(r"<[^>]+>", " ", raw)
    words = " ".join(redact(raw).split())  # redact first: header patterns end at a line break
    return words[:MAX_SERVER_WORDS] + ("…" if len(words) > MAX_SERVER_WORDS else "")


def http_message(code: int, reason: str, where: str, text: str, what: str = "the store") -> str:
    hint = {401: "authentication required or wrong credentials (KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or ~/.netrc)",
            403: "forbidden: the account may not do this here",
            404: "not found: check the endpoint URL"}.get(code, f"{what} refused the request")
    said = f" — server said: {text}" if text else ""
    return redact(f"HTTP {code} {reason} from {where}: {hint}{said}")
