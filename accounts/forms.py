from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import BaseUserCreationForm, UsernameField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from aiblogger.mail import send_mail_later

from .models import User

# Django once capped passwords at 4096 characters (CVE-2013-1443); hashing a
# megabyte-long "password" costs the server, and no person types one.
PASSWORD_MAX_LENGTH = 4096
PASSWORD_FIELDS = ("password", "old_password", "password1", "password2")
PASSWORD_FIELDS += ("new_password1", "new_password2")


def bound_lengths(form):
    """Give every text field a length limit that is checked, not only drawn.

    AuthenticationForm sets the username's max_length after the field exists,
    so only the HTML attribute carries it: a 300-character name reached
    authenticate() and django-axes' 255-character column (a 500 on MariaDB).
    """
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        if name in PASSWORD_FIELDS and field.max_length is None:
            field.max_length = PASSWORD_MAX_LENGTH
        if field.max_length is None:
            continue
        if not any(isinstance(v, MaxLengthValidator) for v in field.validators):
            field.validators.append(MaxLengthValidator(field.max_length))
        field.widget.attrs.setdefault("maxlength", str(field.max_length))


class BoundedFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_lengths(self)


class LoginForm(BoundedFormMixin, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(BoundedFormMixin, AdminAuthenticationForm):
    pass


class PasswordChangeForm(BoundedFormMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(BoundedFormMixin, auth_forms.SetPasswordForm):
    pass


class PasswordResetForm(BoundedFormMixin, auth_forms.PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Off the request path: a known address must not answer slower.
        send_mail_later(
            subject_template_name,
            email_template_name,
            context,
            to_email,
            html_template=html_email_template_name,
        )


class SignUpForm(BoundedFormMixin, BaseUserCreationForm):
    """Whether an address or a user name is taken is never shown: the view checks
    both and mails the address typed (accounts.views.signup)."""

    email = forms.EmailField(
        max_length=User._meta.get_field("email").max_length,
        help_text="We send password resets here. Never shown to readers.",
    )

    class Meta:
        model = User
        fields = ("username", "display_name", "email")
        field_classes = {"username": UsernameField}

    def validate_unique(self):
        exclude = self._get_validation_exclusions() | {"username"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)
