"""E-mail leaves the request path: the reader's answer never waits for (or reveals) a send."""

import logging
import threading

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import close_old_connections, transaction
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

_pending = set()
_pending_lock = threading.Lock()


def send_mail_later(subject_template, body_template, context, to, *, html_template=None):
    """Render and send one message in a background thread once the transaction commits.

    Rendering happens in the thread too, so a request that sends mail costs the
    same as one that does not. Failures are logged, never raised to the reader.
    The one place to switch to a task queue (django-tasks) later.
    """
    recipients = [to] if isinstance(to, str) else list(to)

    def deliver():
        try:
            subject = "".join(render_to_string(subject_template, context).splitlines())
            message = EmailMultiAlternatives(
                subject,
                render_to_string(body_template, context),
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
            if html_template:
                message.attach_alternative(render_to_string(html_template, context), "text/html")
            message.send()
        except Exception:
            log.exception("Sending %r failed", subject_template)
        finally:
            close_old_connections()
            with _pending_lock:
                _pending.discard(threading.current_thread())

    def start():
        thread = threading.Thread(target=deliver, name="send_mail_later", daemon=True)
        with _pending_lock:
            _pending.add(thread)
        thread.start()

    transaction.on_commit(start, robust=True)


def wait_for_mail(timeout=10.0):
    """Wait until every message started so far was handed to the backend (tests, shutdown)."""
    with _pending_lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)
