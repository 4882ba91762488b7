"""The bundled nginx configuration passes the headers Django and the limits rely on.

nginx's rule: a block that sets any ``proxy_set_header`` inherits none from the blocks around
it. A location that set only ``Connection`` once sent Django Host "hearth" (every page a 400 in
production) and no forwarded address or scheme.
"""

from __future__ import annotations

import re
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
NEEDED = {"host", "x-forwarded-proto", "x-forwarded-for"}


def blocks(text: str) -> list[tuple[str, str]]:
    """(header, own directives) of every block, nested blocks' text left out of their parent's."""
    text = re.sub(r"#[^\n]*", "", text)
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, list[str]]] = [("main", [])]
    statement = ""
    for char in text:
        if char == "{":
            stack.append((statement.strip(), []))
            statement = ""
        elif char == "}":
            header, own = stack.pop()
            found.append((header, "".join(own)))
            statement = ""
        else:
            statement += char
            stack[-1][1].append(char)
            if char == ";":
                statement = ""
    return found


def proxied_headers(directives: str) -> set[str]:
    return {name.lower() for name in re.findall(r"proxy_set_header\s+(\S+)", directives)}


def test_every_proxied_location_sends_host_scheme_and_address():
    server_headers = None
    checked = 0
    for header, directives in blocks(CONFIG.read_text()):
        if header.startswith("server") and "proxy_set_header" in directives:
            server_headers = proxied_headers(directives)
    assert server_headers is not None and server_headers >= NEEDED
    for header, directives in blocks(CONFIG.read_text()):
        if not header.startswith("location") or "proxy_pass" not in directives:
            continue
        checked += 1
        own = proxied_headers(directives)
        effective = own if own else server_headers  # any header of its own: none inherited
        assert effective >= NEEDED, f"{header} would lose {sorted(NEEDED - effective)}"
    assert checked >= 2  # the websocket location and everything else


def test_the_rule_is_checked_on_a_location_that_breaks_it():
    broken = """
    http { server {
        proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto https;
        proxy_set_header X-Forwarded-For $remote_addr;
        location / { proxy_pass http://hearth; proxy_set_header Connection ""; }
    } }
    """
    locations = [(h, d) for h, d in blocks(broken) if h.startswith("location")]
    assert locations and proxied_headers(locations[0][1]) == {"connection"}
