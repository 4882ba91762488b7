"""What server/daphne_socket.py changes in autobahn: its per-connection settings dump is deferred.

autobahn pretty-prints its 29 settings for a debug message on every new websocket connection,
about 0.24 ms of CPU each (docs/performance.md). ``defer_autobahn_config_log`` makes that text
be built only if the message is logged, the same text, and leaves every other use of autobahn's
``pformat`` as it was.
"""

from __future__ import annotations

import pprint

import autobahn.websocket.protocol as autobahn_protocol
import pytest
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.testing import StringTransport

from server.daphne_socket import _PrettyWhenLogged, defer_autobahn_config_log


@pytest.fixture
def pformat_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value pretty-printed from here on (the deferred log is installed first)."""
    defer_autobahn_config_log()
    calls: list[object] = []
    real = pprint.PrettyPrinter.pformat

    def counted(self: pprint.PrettyPrinter, value: object) -> str:
        calls.append(value)
        return real(self, value)

    monkeypatch.setattr(pprint.PrettyPrinter, "pformat", counted)
    return calls


def test_a_new_websocket_connection_pretty_prints_nothing(pformat_calls):
    factory = WebSocketServerFactory()
    factory.protocol = WebSocketServerProtocol  # what daphne's protocol is built on
    protocol = factory.buildProtocol(None)

    protocol.makeConnection(StringTransport())

    assert protocol.state == protocol.STATE_CONNECTING  # the connection was set up
    assert pformat_calls == []


def test_the_settings_dump_is_the_same_text_when_it_is_logged(pformat_calls):
    settings = [("autoPingInterval", 0, "WebSocketServerFactory"), ("utf8validateIncoming", 1, "")]

    placeholder = _PrettyWhenLogged(settings)

    # autobahn's log formats its messages as str.format does
    assert "\n{attrs}".format(attrs=placeholder) == "\n" + pprint.pformat(settings)  # noqa: UP032
    assert str(placeholder) == pprint.pformat(settings)


def test_other_uses_of_autobahns_pformat_are_unchanged(pformat_calls):
    timings = autobahn_protocol.Timings()
    timings.track("onOpen")

    text = str(timings)

    assert isinstance(text, str) and "onOpen" in text
    assert len(pformat_calls) == 1
    assert autobahn_protocol.pformat({"a": 1}) == "{'a': 1}"
