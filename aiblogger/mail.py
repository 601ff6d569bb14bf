"""E-mail leaves the request path: the reader's answer never waits for (or reveals) a send.

A message is a task (Django's tasks API, django-tasks' database backend) enqueued
when the request's transaction commits and sent by `db_worker`, so a restart of
the web or the worker loses no mail: what is not sent yet is a row in the
database. A failed send is tried again later (RETRY_SECONDS), then logged.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

QUEUE = "mail"
# Seconds to wait before each further attempt: 6 attempts over about 3 hours.
RETRY_SECONDS = (60, 300, 900, 3600, 7200)
# Ahead of newswire polls and machine assistance on a shared worker.
PRIORITY = 50
MODEL = "__model__"


def send_mail_later(subject_template, body_template, context, to, *, html_template=None):
    """Send one message from the task worker once the current transaction commits.

    context holds plain values and model instances (read afresh by the worker).
    Rendering happens in the worker too, so a request that sends mail costs about
    the same as one that does not. Failures never reach the reader.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    stored = {name: _stored(value) for name, value in context.items()}
    transaction.on_commit(
        lambda: send_mail_task.enqueue(
            subject_template, body_template, stored, recipients, html_template=html_template
        ),
        robust=True,
    )


def _stored(value):
    if isinstance(value, models.Model):
        return {MODEL: value._meta.label_lower, "pk": value.pk}
    return value


def _loaded(value):
    if isinstance(value, dict) and MODEL in value:
        return apps.get_model(value[MODEL])._default_manager.get(pk=value["pk"])
    return value


@task(queue_name=QUEUE, priority=PRIORITY)
def send_mail_task(
    subject_template, body_template, stored, recipients, html_template=None, attempt=1
):
    try:
        context = {name: _loaded(value) for name, value in stored.items()}
    except models.ObjectDoesNotExist:
        log.warning("Not sending %r: its subject was deleted", subject_template)
        return "dropped"
    subject = "".join(render_to_string(subject_template, context).splitlines())
    message = EmailMultiAlternatives(
        subject, render_to_string(body_template, context), settings.DEFAULT_FROM_EMAIL, recipients
    )
    if html_template:
        message.attach_alternative(render_to_string(html_template, context), "text/html")
    try:
        message.send()
    except Exception:
        if attempt > len(RETRY_SECONDS):
            log.exception("Sending %r failed %d times; giving up", subject_template, attempt)
            return "failed"
        log.warning("Sending %r failed; trying again", subject_template, exc_info=True)
        later = timezone.now() + timedelta(seconds=RETRY_SECONDS[attempt - 1])
        send_mail_task.using(run_after=later).enqueue(
            subject_template, body_template, stored, recipients,
            html_template=html_template, attempt=attempt + 1,
        )  # fmt: skip
        return "retrying"
    return "sent"
