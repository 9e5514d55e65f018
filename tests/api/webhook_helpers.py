"""Shared helpers for the webhook tests: a real local receiver, a scripted DNS, registration."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from publishing.models import DeliveryStatus, WebhookDelivery
from reviews.models import VerdictState
from reviews.services import verdict_publish
from tests.factories import VerdictFactory

HOOKS = "/api/v1/webhooks/"
ALL_EVENTS = ["claimreview.published", "claimreview.corrected", "claimreview.retracted"]


class Receiver:
    """A local HTTP server that records what it receives; ``answer`` sets its status code and
    ``location`` the Location header sent with it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        self.answer = 200
        self.location = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body, receiver.answer))
                self.send_response(receiver.answer)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self):
        return [(h, b) for h, b, status in self.received if status < 300]


class ScriptedDNS:
    """Stands in for ``socket.getaddrinfo``: names in ``answers`` resolve to the addresses
    listed, one per lookup (the last one repeats), like a hostile DNS server changing its
    answer; None means the name does not resolve. Every other name resolves for real.
    ``lookups`` records each name asked for."""

    def __init__(self):
        self.real = socket.getaddrinfo
        self.answers: dict[str, list[str | None]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        self.lookups.append(name)
        queue = self.answers.get(name)
        if queue:
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if answer is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            name = answer
        return self.real(name, port, *args, **kwargs)


def register(client, url, events=ALL_EVENTS):
    response = client.post(HOOKS, {"url": url, "events": events}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def publish(editor, capture, n=1):
    verdicts = [VerdictFactory(state=VerdictState.APPROVED) for _ in range(n)]
    for verdict in verdicts:
        with capture(execute=True):
            verdict_publish(actor=editor, verdict=verdict)
    return verdicts


def make_due():
    """Time passes: every pending delivery's next attempt is now."""
    WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
