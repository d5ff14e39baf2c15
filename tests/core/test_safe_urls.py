"""Which customer URLs may be called (core.safe_urls): http(s) only, no credentials, and only public
addresses, however an address is spelled; `allow_private` keeps the shape checks. Decisions only:
nothing here opens a connection. Delivering to a URL is tested in tests/messaging/test_webhooks.py."""

import ipaddress
import socket

import pytest

from core import safe_urls
from core.safe_urls import UnsafeUrl, check_saved_url, check_url

UNSAFE_ADDRESSES = [
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/hook",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://localhost/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",  # site-local (deprecated by RFC 3879, still routed inside some networks)
    "http://[feff:ffff::1]/",  # the top of fec0::/10
    "http://[ff02::1]/",
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:5::]/",  # 6to4 of 10.0.0.5
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[64:ff9b::a00:5]/",  # NAT64 of 10.0.0.5
]
ENCODED_IPV4 = ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://0/"]
BAD_SHAPES = [
    "ftp://example.com/file",
    "file:///etc/passwd",
    "gopher://example.com/",
    "http://user:pw@example.com/",
    "http://example.com\\@127.0.0.1/",
    "http:///no-host",
    "http://example.com:0/",
    "http://example.com:65536/",
    "not a url",
]


@pytest.mark.parametrize("url", UNSAFE_ADDRESSES)
def test_check_url_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(UnsafeUrl, match="private or reserved address"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", [*ENCODED_IPV4, *BAD_SHAPES, "http://localhost./"])
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", BAD_SHAPES)
def test_allow_private_keeps_the_shape_checks(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://10.1.2.3/hook", "http://[::1]/", "http://127.1/"])
def test_allow_private_skips_the_address_checks(url: str) -> None:
    check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook",
        "http://8.8.8.8:8080/dlr?id=1",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/",
        "http://[2002:5db8:d822::]/",  # 6to4 of a public address
    ],
)
def test_check_url_accepts_public_literals(url: str) -> None:
    check_url(url, allow_private=False)  # decision only: no connection is made


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1"])
def test_encoded_ipv4_is_refused_even_without_the_spelling_rule(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver reads these as 127.0.0.1 while `ipaddress` rejects them; both layers must hold."""
    with pytest.raises(ValueError):
        ipaddress.ip_address(host)
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        pytest.skip("this resolver does not read legacy IPv4 spellings")
    assert resolved == {"127.0.0.1"}

    monkeypatch.setattr(safe_urls, "_is_encoded_ipv4", lambda host: False)
    with pytest.raises(UnsafeUrl):
        check_url(f"http://{host}/", allow_private=False)


# --- check_saved_url: when a team saves a callback URL ----------------------------------------


@pytest.mark.parametrize("url", ["http://10.1.2.3/hook", "http://[::1]/", "http://localhost/", "http://a.localhost/"])
def test_a_saved_url_written_as_a_private_address_or_this_machine_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_saved_url(url, allow_private=False)


@pytest.mark.parametrize("url", ENCODED_IPV4)
def test_a_saved_url_with_an_address_spelled_as_a_number_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_saved_url(url, allow_private=False)


def test_a_saved_host_name_is_not_resolved_when_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args, **kwargs):
        raise AssertionError("resolved at save time")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    check_saved_url("https://hooks.example.com/dlr", allow_private=False)  # checked again at each call


@pytest.mark.parametrize("url", BAD_SHAPES)
def test_a_saved_url_of_the_wrong_shape_is_refused_even_where_private_is_allowed(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_saved_url(url, allow_private=True)
