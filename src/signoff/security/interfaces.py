"""The machine's own addresses, to check that a service answers only where it was told to.

IPv4 addresses come from the kernel per interface (SIOCGIFADDR), IPv6 ones from
/proc/net/if_inet6, and the host name's addresses are added; no external tool is needed.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from pathlib import Path

_SIOCGIFADDR = 0x8915
# another loopback address: a service bound to 127.0.0.1 alone refuses it, a wildcard one answers
EXTRA_LOOPBACK = "127.0.0.2"


def _ipv4(name: str) -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(
                sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15])
            )
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def _ipv6() -> list[str]:
    table = Path("/proc/net/if_inet6")
    if not table.is_file():
        return []
    found = []
    for line in table.read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) >= 6:
            address = ipaddress.IPv6Address(int(fields[0], 16))
            # a link-local address needs a scope to be reached; skip it rather than guess
            if not address.is_link_local:
                found.append(str(address))
    return found


def local_addresses() -> list[str]:
    """Every address of this machine, IPv4 first, loopback included."""
    found: set[str] = set()
    for _, name in socket.if_nameindex():
        address = _ipv4(name)
        if address:
            found.add(address)
    found.update(_ipv6())
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]))
    except OSError:
        pass  # a host name that does not resolve adds nothing
    return sorted(found, key=lambda a: (ipaddress.ip_address(a).version, a))


def resolve(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host name or literal stands for; None when it does not resolve."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        return None


def other_addresses(configured_host: str) -> list[str]:
    """The addresses a service configured for `configured_host` must not answer on."""
    configured = resolve(configured_host)
    candidates = [*local_addresses(), EXTRA_LOOPBACK]
    others = []
    for text in dict.fromkeys(candidates):
        address = ipaddress.ip_address(text)
        if address == configured or (configured is not None and configured.is_unspecified):
            continue
        others.append(text)
    return others


def is_local(host: str) -> bool:
    """Whether `host` names this machine (loopback or one of its addresses)."""
    address = resolve(host)
    if address is None:
        return False
    return address.is_loopback or str(address) in local_addresses()


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a TCP connection to host:port is accepted."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
