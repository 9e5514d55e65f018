"""Where webhook deliveries go: the address checked is the address connected to (no DNS
rebinding), redirects are not followed, and HTTPS is still verified for the host name.

Real sockets and servers throughout; only ``socket.getaddrinfo`` is scripted, to play a
hostile DNS server.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings

from publishing.models import DeliveryStatus, WebhookDelivery
from publishing.webhooks import Target, post_pinned
from tests.api.webhook_helpers import Receiver, ScriptedDNS, make_due, publish, register

HOST = "hooks.rebind.test"
PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    scripted = ScriptedDNS()
    monkeypatch.setattr(socket, "getaddrinfo", scripted)
    return scripted


@pytest.fixture
def receivers():
    """Two receivers on the same port: 127.0.0.1 plays an internal service, 127.0.0.2 plays
    the public host at ``PUBLIC`` (the scripted DNS sends that address there)."""
    internal = Receiver("127.0.0.1")
    public = Receiver("127.0.0.2", port=internal.port)
    yield internal, public
    internal.close()
    public.close()


@override_settings(WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_rebinding_dns_answer_cannot_redirect_the_delivery(
    dns, receivers, publisher_client, editor, django_capture_on_commit_callbacks
):
    internal, public = receivers
    dns.answers[HOST] = [PUBLIC]
    dns.answers[PUBLIC] = ["127.0.0.2"]
    endpoint = register(publisher_client, f"http://{HOST}:{internal.port}/hooks")
    # From now on the name answers the public address once (to the check), then internal.
    dns.answers[HOST] = [PUBLIC, "127.0.0.1"]
    dns.lookups.clear()
    publish(editor, django_capture_on_commit_callbacks)
    assert internal.received == []
    ((headers, _),) = public.delivered()
    assert {k.lower(): v for k, v in headers.items()}["host"] == f"{HOST}:{internal.port}"
    assert dns.lookups.count(HOST) == 1  # resolved once, for the check; never on connect
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert endpoint["id"] == delivery.endpoint_id


@override_settings(WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_host_that_now_resolves_privately_is_refused(
    dns, receivers, publisher_client, editor, django_capture_on_commit_callbacks
):
    internal, public = receivers
    dns.answers[HOST] = [PUBLIC]
    register(publisher_client, f"http://{HOST}:{internal.port}/hooks")
    dns.answers[HOST] = ["127.0.0.1"]
    publish(editor, django_capture_on_commit_callbacks)
    assert internal.received == [] and public.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("Refused: ") and "127.0.0.1" in delivery.last_error


@override_settings(WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_host_that_stops_resolving_is_retried(
    dns, receivers, publisher_client, editor, django_capture_on_commit_callbacks
):
    internal, public = receivers
    dns.answers[HOST] = [PUBLIC]
    dns.answers[PUBLIC] = ["127.0.0.2"]
    register(publisher_client, f"http://{HOST}:{internal.port}/hooks")
    dns.answers[HOST] = [None]  # a DNS outage
    publish(editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "does not resolve" in delivery.last_error
    dns.answers[HOST] = [PUBLIC]
    make_due()
    from publishing.tasks import deliver_due_webhooks

    deliver_due_webhooks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(public.delivered()) == 1


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    publisher_client, editor, django_capture_on_commit_callbacks
):
    elsewhere = Receiver()
    redirecting = Receiver()
    redirecting.answer, redirecting.location = 307, elsewhere.url
    try:
        with override_settings(WEBHOOKS_ALLOW_PRIVATE=True):
            register(publisher_client, redirecting.url)
            publish(editor, django_capture_on_commit_callbacks)
    finally:
        elsewhere.close()
        redirecting.close()
    assert len(redirecting.received) == 1 and elsewhere.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 307 and "Redirect not followed" in delivery.last_error


# HTTPS to a pinned address ----------------------------------------------------------------------


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for ``name`` (its own issuer) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


class TLSReceiver:
    """An HTTPS server on 127.0.0.1 presenting ``cert``; records the SNI names and Host
    headers it is sent."""

    def __init__(self, cert: str, key: str):
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_https_to_the_pinned_address_is_verified_for_the_host_name(tmp_path, dns):
    cert, key = self_signed(tmp_path, "hooks.example.test")
    server = TLSReceiver(cert, key)
    try:
        target = Target(
            url=httpx.URL(f"https://hooks.example.test:{server.port}/hook"), address="127.0.0.1"
        )
        code = post_pinned(
            target,
            body="{}",
            headers={"content-type": "application/json"},
            timeout=5,
            verify=ssl.create_default_context(cafile=cert),
        )
    finally:
        server.close()
    assert code == 204
    assert server.server_names == ["hooks.example.test"]
    assert server.hosts == [f"hooks.example.test:{server.port}"]
    assert "hooks.example.test" not in dns.lookups


def test_https_with_a_certificate_for_another_name_is_refused(tmp_path, dns):
    trusted, _ = self_signed(tmp_path, "hooks.example.test")
    cert, key = self_signed(tmp_path, "other.example.test")
    server = TLSReceiver(cert, key)
    verify = ssl.create_default_context(cafile=trusted)
    verify.load_verify_locations(cafile=cert)  # trusted, but for the wrong name
    try:
        target = Target(
            url=httpx.URL(f"https://hooks.example.test:{server.port}/hook"), address="127.0.0.1"
        )
        with pytest.raises(httpx.ConnectError, match=r"(?i)certificate|hostname"):
            post_pinned(target, body="{}", headers={}, timeout=5, verify=verify)
    finally:
        server.close()
    assert server.hosts == []
