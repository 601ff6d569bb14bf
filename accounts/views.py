from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from aiblogger import throttle
from aiblogger.mail import send_mail_later

from .forms import PasswordResetForm, SignUpForm
from .models import User
from .tasks import password_reset_task


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


def _mail_context(request, **extra):
    return {
        "protocol": "https" if request.is_secure() else "http",
        "domain": request.get_host(),
        "site_name": settings.SITE_NAME,
        **extra,
    }


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Open registration; an editor approves the account into the newsroom later.

    The answer is the same whether the address and the user name are new or
    taken, so the form cannot be used to find out who has an account: a new
    account gets a welcome mail; a taken address, a warning to its owner; a
    taken user name, a note to the address typed asking for another name.
    """
    if request.user.is_authenticated:
        return redirect("articles:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only complete sign-ups count: a reader fixing a typo is not refused.
        if not throttle.allow("signup_ip", _client_ip(request)):
            return throttle.refused(request, "signup_ip", "sign-ups")
        email = form.cleaned_data["email"]
        if not throttle.allow("signup_address", email):
            return throttle.refused(request, "signup_address", "sign-ups")
        owner = User.objects.filter(email__iexact=email).order_by("pk").first()
        if owner is not None:
            make_password(form.cleaned_data["password1"])  # the same work as a real sign-up
            _mail(request, "signup_taken", owner.email, user=owner)
            return redirect("accounts:signup_done")
        user = _create(form)
        if user is None:
            make_password(form.cleaned_data["password1"])
            _mail(request, "signup_name_taken", email, username=form.cleaned_data["username"])
        else:
            _mail(request, "signup_welcome", user.email, user=user)
        return redirect("accounts:signup_done")
    return render(request, "registration/signup.html", {"form": form})


def _create(form):
    """The new account, or None when its user name is taken (in any letter case)."""
    username = form.cleaned_data["username"]
    if User.objects.filter(username__iexact=username).exists():
        return None
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:  # taken by a sign-up that committed meanwhile
        return None


def _mail(request, name, to, **context):
    send_mail_later(
        f"registration/{name}_subject.txt",
        f"registration/{name}_email.txt",
        _mail_context(request, **context),
        to,
    )


def signup_done(request):
    return render(request, "registration/signup_done.html")


class SiteNameMixin:
    """Django's auth views name the site after the request's host; use SITE_NAME."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


class LoginView(SiteNameMixin, auth_views.LoginView):
    pass


class LogoutView(SiteNameMixin, auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, throttled per client address; the mail is prepared by the task worker.

    Every valid request gets the same answer and enqueues the same task, known
    address or not. The per-address limit caps the mails sent, never the answer:
    a stranger can fill an inbox only up to the limit, and the links already
    sent keep working, so the owner can always reset.
    """

    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        if not throttle.allow("password_reset_ip", _client_ip(request)):
            return throttle.refused(request, "password_reset_ip", "password resets")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if throttle.allow("password_reset_address", email):
            options = {
                "domain": self.request.get_host(),
                "use_https": self.request.is_secure(),
                "subject_template": self.subject_template_name,
                "email_template": self.email_template_name,
            }
            transaction.on_commit(
                lambda: password_reset_task.enqueue(email, **options), robust=True
            )
        return HttpResponseRedirect(self.get_success_url())
