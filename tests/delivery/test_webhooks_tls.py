"""Webhooks over TLS to a receiver whose certificate a test authority signed (trustme)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from houdini_pay.delivery.transport import post
from tests.delivery.receiver import Receiver, serve


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    return context


def test_a_trusted_certificate_is_accepted_and_an_unknown_one_refused(
    authority: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    with serve(Receiver(), tls=_server_context(authority)) as receiver:
        assert receiver.url.startswith("https://localhost:")
        trusted = post(
            receiver.url, b"{}", {}, timeout=5, allow_loopback=True, ca_file=str(ca_file)
        )
        assert trusted.status_code == 200
        untrusted = post(receiver.url, b"{}", {}, timeout=5, allow_loopback=True)
        assert not untrusted.succeeded
        assert untrusted.error is not None
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
        # Loopback addresses are refused unless the deployment allows them.
        refused = post(receiver.url, b"{}", {}, timeout=5, ca_file=str(ca_file))
        assert refused.error is not None
        assert "loopback" in refused.error
    assert len(receiver.received) == 1
