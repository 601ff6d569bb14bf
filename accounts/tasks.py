"""Account mail the task worker prepares: a request's cost never depends on who has an account."""

from django.conf import settings
from django_tasks import task

from aiblogger import mail

from .forms import PasswordResetForm


@task(queue_name=mail.QUEUE, priority=mail.PRIORITY)
def password_reset_task(email, *, domain, use_https, subject_template, email_template):
    """Mail a reset link to each active account at email; an unknown address gets nothing."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return "invalid address"
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name=subject_template,
        email_template_name=email_template,
        extra_email_context={"site_name": settings.SITE_NAME},
    )
    return "done"
