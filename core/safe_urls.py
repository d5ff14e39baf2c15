"""Is a customer's URL safe to call? Shared by the callback rules (messaging.callbacks) and the team
settings that store callback URLs (accounts), so both read one implementation.

Customer URLs are untrusted input: `check_url` refuses anything that resolves to a non-public
address (SSRF), and `checked` hands the caller the very addresses it checked, so the request can
connect to exactly those (messaging.callbacks.webhooks pins them).
"""

import ipaddress
import re
import socket
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_METADATA = ipaddress.IPv4Address("169.254.169.254")
# Deprecated IPv4-compatible form (::a.b.c.d); it also holds :: and ::1.
_V4_COMPAT = ipaddress.IPv6Network("::/96")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# WHATWG URL rule: a host whose last label is a number is an IPv4 address in some notation.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")


class UnsafeUrl(Exception):
    """The URL may not be called: wrong shape, or it points at a non-public address."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str
    port: int


def _parse(url: str) -> Target:
    # One parser (httpx's) for both the check and the request, so they cannot disagree.
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"Not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeUrl("Only http and https URLs are allowed.")
    if parsed.userinfo:
        raise UnsafeUrl("URLs with a user name or password are not allowed.")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise UnsafeUrl("The URL has no host.")
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 1 <= port <= 65535:
        raise UnsafeUrl(f"Port {port} is out of range.")
    return Target(url=parsed, host=host, port=port)


def _is_encoded_ipv4(host: str) -> bool:
    """`2130706433`, `0x7f.1`, `127.1`: resolvers read these as IPv4, `ipaddress` does not."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if ":" in host or not _NUMERIC_LABEL.fullmatch(last):  # IPv6 literals are judged by address
        return False
    try:
        ipaddress.IPv4Address(host)  # strict dotted quad: the one spelling we accept
    except ValueError:
        return True
    return False


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client)
    if any(ip in net for net in _NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _V4_COMPAT:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            # The v4 address is where the packets end up, so judge that one.
            return all(_is_public(v4) for v4 in embedded)
    # `is_global` alone would do on current Pythons; its tables have changed between
    # versions, so the categories we care about are spelled out too.
    return (
        ip.is_global
        and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)
        and not (ip.is_reserved or ip.is_unspecified)
        and not (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)  # fec0::/10, deprecated
        and ip not in _CGNAT
        and ip != _METADATA
    )


def _resolve(target: Target) -> list[str]:
    """Every address the host resolves to, in the resolver's order, deduplicated."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"Cannot resolve {target.host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeUrl(f"Cannot resolve {target.host}.")
    return addresses


def _refuse_non_public(target: Target, addresses: list[str]) -> None:
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise UnsafeUrl(f"{target.host} resolves to an unrecognised address.") from None
        if not _is_public(ip):
            where = f"{ip} is" if address == target.host else f"{target.host} resolves to {ip},"
            raise UnsafeUrl(f"{where} a private or reserved address; only public hosts are allowed.")


def checked(url: str, *, allow_private: bool) -> tuple[Target, list[str]]:
    target = _parse(url)
    if not allow_private and _is_encoded_ipv4(target.host):
        raise UnsafeUrl(f"Write the IPv4 address {target.host!r} as four decimal numbers.")
    addresses = _resolve(target)
    if not allow_private:
        _refuse_non_public(target, addresses)
    return target, addresses


def check_saved_url(url: str, *, allow_private: bool) -> None:
    """The checks a callback URL gets when a team saves it: http(s), no credentials, a host; and a host
    written as an address (or as a number that reads as one) must be public. A host name is resolved
    when it is called (`check_url`), since what a name points at can change after it is saved."""
    target = _parse(url)
    if allow_private:
        return
    if _is_encoded_ipv4(target.host):
        raise UnsafeUrl(f"Write the IPv4 address {target.host!r} as four decimal numbers.")
    name = target.host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        raise UnsafeUrl(f"{target.host} is this machine; only public hosts are allowed.")
    try:
        ipaddress.ip_address(target.host.strip("[]"))
    except ValueError:
        return  # a name: resolved and checked at each call
    _refuse_non_public(target, [target.host.strip("[]")])


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeUrl unless `url` is an http(s) URL whose host resolves only to public addresses.

    `allow_private=True` keeps the shape checks but skips the address checks, for tests and
    on-premise installs that call internal hosts.
    """
    if allow_private:
        _parse(url)  # resolving is skipped too: an internal name may only resolve where it is called
        return
    checked(url, allow_private=False)
