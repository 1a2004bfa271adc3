"""Register many numbers at the test Kamailio from Python, each with its Contact at one listener: one
SIPp callee then answers for every customer of a campaign.

SIPp's injection file cannot feed the digest username per call (its `[authentication username=[field0]]`
puts the field outside the header), and one SIPp run per number costs a process each; a REGISTER is
two UDP datagrams, so the test sends them itself: RFC 2617 digest without qop, as Kamailio challenges.
"""

from __future__ import annotations

import hashlib
import re
import socket
import uuid
from collections.abc import Callable, Iterable

LOOPBACK = "127.0.0.1"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # SIP digest is MD5 by definition


def _register(user: str, registrar: tuple[str, int], contact_port: int, auth: str, sock: socket.socket,
              call_id: str, cseq: int) -> str:
    host, port = registrar
    me = sock.getsockname()[1]
    lines = [f"REGISTER sip:{host}:{port} SIP/2.0",
             f"Via: SIP/2.0/UDP {LOOPBACK}:{me};branch=z9hG4bK-{uuid.uuid4().hex[:16]};rport",
             f"From: <sip:{user}@{host}>;tag={call_id[:8]}", f"To: <sip:{user}@{host}>",
             f"Call-ID: {call_id}", f"CSeq: {cseq} REGISTER",
             f"Contact: <sip:{user}@{LOOPBACK}:{contact_port}>", "Expires: 300", "Max-Forwards: 70"]
    if auth:
        lines.append(auth)
    sock.sendto(("\r\n".join([*lines, "Content-Length: 0", "", ""])).encode(), registrar)
    return sock.recv(65535).decode(errors="replace")


def register_all(users: Iterable[str], registrar: tuple[str, int], contact_port: int,
                 password: Callable[[str], str], timeout_s: float = 2.0) -> None:
    """REGISTER each user (digest auth) with its Contact at `LOOPBACK:contact_port`; raises on a refusal."""
    host, port = registrar
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.settimeout(timeout_s)
        for user in users:
            call_id = uuid.uuid4().hex
            answer = _register(user, registrar, contact_port, "", sock, call_id, 1)
            challenge = re.search(r'realm="([^"]*)".*?nonce="([^"]*)"', answer)
            if challenge is None:
                raise AssertionError(f"no digest challenge for {user}: {answer[:200]}")
            realm, nonce = challenge.groups()
            uri = f"sip:{host}:{port}"
            digest = _md5(f"{_md5(f'{user}:{realm}:{password(user)}')}:{nonce}:{_md5(f'REGISTER:{uri}')}")
            auth = (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", '
                    f'uri="{uri}", response="{digest}", algorithm=MD5')
            answer = _register(user, registrar, contact_port, auth, sock, call_id, 2)
            if not answer.startswith("SIP/2.0 200"):
                raise AssertionError(f"{user} not registered: {answer[:200]}")
