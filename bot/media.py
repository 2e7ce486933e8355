"""Fetching a photo a person sent, and deleting it at Twilio afterwards.

Twilio's webhook names the photo by a MediaUrl, and anyone can post a form naming any URL: a
download is made only from the Twilio API's own origin (TWILIO_API_BASE_URL, else Twilio's),
only for a Media resource of our own account, with our credentials, at most MAX_BYTES, with
timeouts. A redirect is followed only to a host listed in TWILIO_MEDIA_HOSTS, without
credentials. Everything is refused before any request is made."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping

import requests

DEFAULT_API = "https://api.twilio.com"
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = (5, 20)   # seconds to connect, seconds between bytes
_MEDIA = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages/((?:MM|SM)[0-9a-fA-F]{32})"
                    r"/Media/(ME[0-9a-fA-F]{32})")
_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """The URL is not a Media resource of ours at the Twilio API: never requested."""


class FetchFailed(Exception):
    """The download did not complete: Twilio refused, the network failed, or it was too large."""


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _PORTS.get(scheme, 0)
    except ValueError as exc:
        raise Refused("bad port") from exc
    return scheme, (parts.hostname or "").lower(), port


def api_base(config: Mapping) -> str:
    return (config.get("TWILIO_API_BASE_URL") or DEFAULT_API).rstrip("/")


def media_path(url: str, config: Mapping) -> str:
    """Return the Media resource's path if the URL is one of ours at the Twilio API's origin
    (scheme, host and port exactly), else raise Refused."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise Refused("extra parts")
    if _origin(url) != _origin(api_base(config)):
        raise Refused("origin")
    match = _MEDIA.fullmatch(parts.path)
    if not match or match[1] != config.get("TWILIO_ACCOUNT_SID"):
        raise Refused("path")
    return parts.path


def _allowed_redirect(location: str, config: Mapping) -> bool:
    hosts = {h.strip().lower() for h in (config.get("TWILIO_MEDIA_HOSTS") or "").split(",") if h.strip()}
    parts = urllib.parse.urlsplit(location)
    return parts.scheme == "https" and (parts.hostname or "").lower() in hosts and not parts.username


def download(path: str, config: Mapping, session: requests.Session | None = None) -> bytes:
    """The photo's bytes, at most MAX_BYTES; raise Refused or FetchFailed."""
    path = media_path(api_base(config) + path, config)
    account, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not account or not token:
        raise FetchFailed("no_credentials")
    session = session or requests.Session()
    session.trust_env = False   # no proxy from the environment sees our credentials
    try:
        answer = session.get(api_base(config) + path, auth=(account, token), stream=True,
                             timeout=TIMEOUT, allow_redirects=False)
        if answer.is_redirect:
            location = urllib.parse.urljoin(answer.url, answer.headers.get("Location", ""))
            answer.close()
            if not _allowed_redirect(location, config):
                raise Refused("redirect")
            # Another host: our credentials are not sent there.
            answer = session.get(location, stream=True, timeout=TIMEOUT, allow_redirects=False)
        with answer:
            if answer.status_code != 200:
                raise FetchFailed(f"status_{answer.status_code}")
            if int(answer.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise FetchFailed("too_large")
            data = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise FetchFailed("too_large")
            return bytes(data)
    except requests.RequestException as exc:
        raise FetchFailed(type(exc).__name__) from exc


def delete(path: str, config: Mapping) -> None:
    """Delete the Media resource at Twilio (its DELETE), through the Twilio client."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    match = _MEDIA.fullmatch(path)
    if not match:
        raise Refused("path")
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                    http_client=TwilioHttpClient(timeout=TIMEOUT[1]))
    client.api.base_url = api_base(config)
    client.api.v2010.accounts(match[1]).messages(match[2]).media(match[3]).delete()
