from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from aiblogger import throttle
from aiblogger.mail import send_mail_later

from .forms import PasswordResetForm, SignUpForm
from .models import User


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

    The answer is the same whether the address is new or taken, so the form
    cannot be used to find out who has an account: a new address gets a
    welcome mail, a taken one a warning to its owner.
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
        if owner is None:
            user = form.save()
            send_mail_later(
                "registration/signup_welcome_subject.txt",
                "registration/signup_welcome_email.txt",
                _mail_context(request, user=user),
                user.email,
            )
        else:
            make_password(form.cleaned_data["password1"])  # the same work as a real sign-up
            send_mail_later(
                "registration/signup_taken_subject.txt",
                "registration/signup_taken_email.txt",
                _mail_context(request, user=owner),
                owner.email,
            )
        return redirect("accounts:signup_done")
    return render(request, "registration/signup.html", {"form": form})


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
    """Django's reset, throttled per address and per target, mail sent after the answer."""

    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        if not throttle.allow("password_reset_ip", _client_ip(request)):
            return throttle.refused(request, "password_reset_ip", "password resets")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not throttle.allow("password_reset_address", form.cleaned_data["email"]):
            return throttle.refused(self.request, "password_reset_address", "password resets")
        return super().form_valid(form)

    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME}
