import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from aiblogger.concurrency import Versioned
from aiblogger.images import validate_image_upload
from aiblogger.slugs import numbered_slug

# The byline of a staff member with neither a display nor a full name: the login name
# would let anyone reading the site try it on the log-in page.
NAMELESS_BYLINE = "Staff"


class User(Versioned, AbstractUser):
    """A newsroom member or a reader who signed up; authors get a public page."""

    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text=(
            "The name readers see in bylines. Defaults to the full name; with neither, "
            "readers see “Staff” (never the login name)."
        ),
    )
    bio = models.TextField(
        "short bio",
        max_length=600,
        blank=True,
        help_text="Two or three sentences shown on your author page.",
    )
    avatar = models.ImageField(
        upload_to="avatars/%Y/",
        blank=True,
        validators=[
            FileExtensionValidator(["jpg", "jpeg", "png", "webp"]),
            validate_image_upload,
        ],
        help_text="A square photo, at least 200 x 200 pixels (JPEG, PNG or WebP).",
    )
    slug = models.SlugField(
        "author slug",
        max_length=160,
        unique=True,
        allow_unicode=False,
        help_text=(
            "The address of your public author page. Filled in from the display or full "
            "name (“author” without one), never from the login name; changing it breaks "
            "links to the old address."
        ),
    )
    approved_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor let this account into the newsroom.",
    )

    # A log-in is not an edit; a revision never holds the password hash, and
    # restoring one keeps the current password (aiblogger/concurrency.py).
    concurrency_exempt = ("last_login",)
    restore_keeps = ("password", "last_login")

    class Meta:
        ordering = ["username"]
        permissions = [("approve_user", "Can approve sign-ups into the newsroom")]

    def __str__(self):
        return self.byline

    @property
    def public_name(self):
        """The name the person chose to show readers, or "" when they chose none."""
        return self.display_name or self.get_full_name()

    @property
    def byline(self):
        return self.public_name or NAMELESS_BYLINE

    @property
    def slug_shows_login_name(self):
        """Whether the author page's address is the login name (slugs made before the name
        stopped being their source), and is not also the public name's."""

        def made_from(name):
            base = slugify(name)
            return bool(base and re.fullmatch(rf"{re.escape(base)}(-\d+)?", self.slug))

        return made_from(self.username) and not made_from(self.public_name)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_author_slug(self)
        super().save(*args, **kwargs)


def unique_author_slug(user):
    base = slugify(user.public_name)[:150] or "author"
    taken = set(
        User.objects.filter(slug__startswith=base)
        .exclude(pk=user.pk)
        .values_list("slug", flat=True)
    )
    return numbered_slug(base, taken)


class Autosave(models.Model):
    """What an editor had typed in a change form, kept for them alone (aiblogger/concurrency.py).

    Not a revision and never shown to readers; deleted when they save the object and
    ignored (then deleted) after AUTOSAVE_KEEP.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField(help_text="The version the form was opened on.")
    data = models.JSONField(help_text="The form's fields: [name, [values]] pairs.")
    saved_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="autosave_one_per_editor"
            ),
        ]

    def __str__(self):
        return f"autosave of {self.content_type.model} {self.object_id} by {self.user}"
