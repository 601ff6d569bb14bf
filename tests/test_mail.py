"""Mail is a task in the database: sent by the worker, kept across restarts, tried again."""

import logging
import socket
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import SIGNUP, UserFactory
from aiblogger.mail import RETRY_SECONDS, send_mail_later

pytestmark = pytest.mark.django_db

TASK = "aiblogger.mail.send_mail_task"


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    """A real SMTP backend pointed at a port nobody listens on."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2


def queued_mail():
    return DBTaskResult.objects.filter(task_path=TASK)


def test_a_signup_mail_waits_in_the_database_until_a_worker_sends_it(
    client, django_capture_on_commit_callbacks, deliver_mail
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    # Nothing is held by the web process: a restart now loses nothing.
    assert not any(t.name == "send_mail_later" for t in threading.enumerate())
    assert mail.outbox == []
    row = queued_mail().get()
    assert row.status == "READY" and row.queue_name == "mail"
    deliver_mail()
    assert [m.to for m in mail.outbox] == [[SIGNUP["email"]]]
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"


def test_a_reset_for_an_unknown_address_queues_the_same_task_as_a_known_one(
    client, django_capture_on_commit_callbacks, deliver_mail
):
    UserFactory(email="known@example.com")
    for email in ("known@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": email})
    queued = DBTaskResult.objects.filter(task_path="accounts.tasks.password_reset_task")
    assert queued.count() == 2, "the request's work does not depend on who has an account"
    deliver_mail()
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_a_failed_send_is_tried_again_later_and_then_delivered(
    smtp_down, settings, django_capture_on_commit_callbacks, deliver_mail, caplog
):
    user = UserFactory(email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send_mail_later(
            "registration/signup_welcome_subject.txt",
            "registration/signup_welcome_email.txt",
            {"user": user, "protocol": "https", "domain": "news.test", "site_name": "News"},
            user.email,
        )
    with caplog.at_level(logging.WARNING, logger="aiblogger.mail"):
        deliver_mail()
    assert mail.outbox == []
    assert any("trying again" in r.getMessage() for r in caplog.records)
    retry = queued_mail().get(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=RETRY_SECONDS[0] - 10)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2

    deliver_mail()
    assert queued_mail().get(status="READY") == retry, "not before its time"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    queued_mail().filter(pk=retry.pk).update(run_after=timezone.now())
    deliver_mail()
    assert [m.to for m in mail.outbox] == [["reader@example.com"]]
    assert "news.test" in mail.outbox[0].body
    assert not queued_mail().filter(status="READY").exists()


def test_a_send_that_keeps_failing_is_logged_once_given_up(smtp_down, deliver_mail, caplog):
    from aiblogger.mail import send_mail_task

    send_mail_task.enqueue(
        "registration/signup_taken_subject.txt",
        "registration/signup_taken_email.txt",
        {"site_name": "News"},
        ["someone@example.com"],
        attempt=len(RETRY_SECONDS) + 1,
    )
    with caplog.at_level(logging.WARNING, logger="aiblogger.mail"):
        deliver_mail()
    assert not queued_mail().filter(status="READY").exists()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "giving up" in errors[0].getMessage()
