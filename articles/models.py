import math
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.images import get_image_dimensions
from django.core.validators import FileExtensionValidator
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFill, ResizeToFit

from aiblogger.concurrency import Versioned
from aiblogger.images import validate_image_upload
from aiblogger.slugs import numbered_slug

from . import hooks, search
from .markdown import render_markdown

BODY_MAX_CHARS = 200_000
WORDS_PER_MINUTE = 230
RENDITION_WIDTHS = (480, 960, 1440)
# imagekit names a rendition by pickling and hashing its spec on every access
# (a tenth of a millisecond each); the name follows from the source file's name
# alone, so each URL is worked out once per process (see rendition_url()).
RENDITION_URLS_KEPT = 20_000
_rendition_urls = {}
META_TITLE_MAX = 60
META_DESCRIPTION_MAX = 160
# Control characters are invisible, illegal in XML feeds and never meant.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """Text as stored: line endings as \n (browsers send \r\n), no control characters.

    Every writer goes through it (Article.save, Correction.save, the admin's text
    fields), so a revision never records a change nobody made.
    """
    if not value:
        return value
    return CONTROL_CHARS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


TEXT_FIELDS = (
    "title", "standfirst", "body", "meta_title", "meta_description",
    "featured_image_alt", "featured_image_caption", "featured_image_credit",
)  # fmt: skip

MARKDOWN_HELP = (
    "Write in Markdown. Quick guide: a blank line starts a new paragraph; "
    "## Subheading; **bold**; *italic*; [link text](https://example.com); "
    "> a quotation; - bullet item; 1. numbered item; ![alt text](https://…/image.jpg). "
    "HTML that could run code is removed when you save."
)

image_validators = [
    FileExtensionValidator(["jpg", "jpeg", "png", "webp", "gif"]),
    validate_image_upload,
]


class Section(Versioned, models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The section's address: /section/<slug>/."
    )
    description = models.TextField(
        blank=True,
        max_length=500,
        help_text="One or two sentences shown at the top of the section page.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first in menus and on the home page."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Tag(Versioned, models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:80] or "tag"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of what readers may see.

        Tag and author pages read a copy of it: each link row carries its
        article's public_since, so ArticleLinkQuerySet.published() selects the
        same articles from one ordered index. Article keeps that copy: it is
        written on save and by set_tags(), add_byline() and set_bylines().
        """
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def newest_first(self):
        """Newest publication first; the id breaks ties, so paging never repeats a row."""
        return self.order_by("-published_at", "-id")

    @staticmethod
    def bylines():
        """The Prefetch of an article's bylines in the editors' order, authors joined."""
        return Prefetch("author_links", ArticleAuthor.objects.select_related("author"))

    def with_bylines(self):
        return self.prefetch_related(self.bylines())


class Article(Versioned, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=255, help_text="The headline readers see.")
    slug = models.SlugField(
        max_length=255,
        unique=True,
        editable=False,
        help_text="Made from the title; fixed once the article is first published.",
    )
    standfirst = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences under the headline that sell the story. "
        "Also used as the summary in lists, feeds and search engines.",
    )
    body = models.TextField(max_length=BODY_MAX_CHARS, help_text=MARKDOWN_HELP)
    body_html = models.TextField(editable=False, default="")

    featured_image = models.ImageField(
        upload_to="articles/%Y/%m/",
        blank=True,
        validators=image_validators,
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB, at least 200 px on each side. "
        "Landscape pictures of 1600 px or wider look best.",
    )
    # Filled in save() from the upload. Not ImageField's width_field: that opens
    # the stored file whenever a row without sizes is loaded.
    featured_image_width = models.PositiveIntegerField(null=True, editable=False)
    featured_image_height = models.PositiveIntegerField(null=True, editable=False)
    featured_image_alt = models.CharField(
        "alt text",
        max_length=255,
        blank=True,
        help_text="Describe the picture for readers who cannot see it. "
        "Required when there is an image.",
    )
    featured_image_caption = models.CharField("caption", max_length=300, blank=True)
    featured_image_credit = models.CharField(
        "credit", max_length=150, blank=True, help_text="Photographer or agency."
    )

    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        help_text="Where the story lives on the site.",
    )
    tags = models.ManyToManyField(Tag, through="ArticleTag", related_name="articles", blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ArticleAuthor",
        related_name="articles",
        blank=True,
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="Leave empty to publish now. A future time schedules the article: "
        "it stays hidden until then.",
    )
    first_published_at = models.DateTimeField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    featured = models.BooleanField(
        default=False, help_text="Featured articles can lead the home page."
    )

    meta_title = models.CharField(
        max_length=255,
        blank=True,
        help_text=f"Title for search engines, if different from the headline. "
        f"Keep it under {META_TITLE_MAX} characters.",
    )
    meta_description = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"Summary for search results, if different from the standfirst. "
        f"Keep it under {META_DESCRIPTION_MAX} characters.",
    )
    social_image = models.ImageField(
        upload_to="social/%Y/%m/",
        blank=True,
        validators=image_validators,
        help_text="Picture for link previews on social networks, if different from "
        "the featured image. 1200 x 630 px works everywhere.",
    )
    canonical_url = models.URLField(
        "canonical URL",
        max_length=500,
        blank=True,
        help_text="Only for stories first published elsewhere: the original's address.",
    )

    image_small = ImageSpecField(
        source="featured_image",
        processors=[ResizeToFit(RENDITION_WIDTHS[0], upscale=False)],
        format="WEBP",
        options={"quality": 80},
    )
    image_medium = ImageSpecField(
        source="featured_image",
        processors=[ResizeToFit(RENDITION_WIDTHS[1], upscale=False)],
        format="WEBP",
        options={"quality": 80},
    )
    image_large = ImageSpecField(
        source="featured_image",
        processors=[ResizeToFit(RENDITION_WIDTHS[2], upscale=False)],
        format="WEBP",
        options={"quality": 80},
    )
    image_social = ImageSpecField(
        source="featured_image",
        processors=[ResizeToFill(1200, 630)],
        format="JPEG",
        options={"quality": 85},
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_article", "Can publish and unpublish articles"),
            ("edit_others_articles", "Can edit articles by anyone"),
        ]
        indexes = [
            # Home, feeds and sitemaps: published() ordered newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="article_public_idx"),
            models.Index(
                fields=["section", "status", "-published_at", "-id"],
                name="article_section_public_idx",
            ),
            models.Index(
                fields=["featured", "status", "-published_at", "-id"],
                name="article_featured_public_idx",
            ),
            # The admin's change list: newest change first, all or by status.
            models.Index(fields=["-updated_at", "-id"], name="article_updated_idx"),
            models.Index(
                fields=["status", "-updated_at", "-id"], name="article_status_updated_idx"
            ),
            # The admin's change list filtered by section or featured, and its date drill-down's
            # range seeks (aiblogger/admin_lists.py).
            models.Index(
                fields=["section", "-updated_at", "-id"], name="article_admin_section_idx"
            ),
            models.Index(
                fields=["featured", "-updated_at", "-id"], name="article_admin_featured_idx"
            ),
            models.Index(fields=["published_at"], name="article_admin_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED:
            if self.published_at is None:
                self.published_at = now_to_the_second()
            if self.first_published_at is None:
                self.first_published_at = self.published_at
        for name in TEXT_FIELDS:
            setattr(self, name, clean_text(getattr(self, name)))
        if not self.featured_image:
            self.featured_image_width = self.featured_image_height = None
        elif not self.featured_image._committed:  # a new upload, still in memory
            self.featured_image_width, self.featured_image_height = get_image_dimensions(
                self.featured_image
            )
        self.body_html = render_markdown(self.body)
        with transaction.atomic():
            self._update_slug()
            super().save(*args, **kwargs)
            since = self.public_since
            self.tag_links.exclude(public_since=since).update(public_since=since)
            self.author_links.exclude(public_since=since).update(public_since=since)
            search.index_after_commit(self.pk)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = now_to_the_second()  # "leave empty to publish now"
        errors = {}
        if self.featured_image and not self.featured_image_alt.strip():
            errors["featured_image_alt"] = "Describe the image for readers who cannot see it."
        if self.canonical_url and not self.canonical_url.startswith(("https://", "http://")):
            errors["canonical_url"] = "Enter a full web address starting with https://."
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def public_since(self):
        """When readers may see it; None while it is not published."""
        return self.published_at if self.status == self.Status.PUBLISHED else None

    @property
    def reading_time(self):
        """Minutes a reader needs, at least one."""
        return max(1, math.ceil(len(self.body.split()) / WORDS_PER_MINUTE))

    @property
    def seo_title(self):
        return self.meta_title or self.title

    @property
    def seo_description(self):
        return self.meta_description or self.standfirst

    def rendition_url(self, spec_name):
        """The URL of one rendition of the featured image: "image_small", ... "image_social"."""
        key = (spec_name, self.featured_image.name, settings.MEDIA_URL)
        url = _rendition_urls.get(key)
        if url is None:
            if len(_rendition_urls) >= RENDITION_URLS_KEPT:
                _rendition_urls.clear()
            url = _rendition_urls[key] = getattr(self, spec_name).url
        return url

    def renditions(self):
        """(url, width) pairs of the featured image, smallest first, for srcset."""
        if not self.featured_image or not self.featured_image_width:
            return []
        specs = ("image_small", "image_medium", "image_large")
        result = []
        for spec, width in zip(specs, RENDITION_WIDTHS, strict=True):
            actual = min(width, self.featured_image_width)
            if result and result[-1][1] == actual:
                break
            result.append((self.rendition_url(spec), actual))
        return result

    def rendition_height(self, width):
        if not self.featured_image_width:
            return None
        return round(self.featured_image_height * width / self.featured_image_width)

    def prepublish_warnings(self):
        """Problems an editor should fix before the story goes out."""
        warnings = []
        if not self.standfirst:
            warnings.append("There is no standfirst: lists and search results will look bare.")
        if self.featured_image and not self.featured_image_alt:
            warnings.append("The featured image has no alt text.")
        if len(self.seo_title) > META_TITLE_MAX:
            warnings.append(
                f"The search-engine title is {len(self.seo_title)} characters; "
                f"search engines cut it after about {META_TITLE_MAX}."
            )
        if len(self.seo_description) > META_DESCRIPTION_MAX:
            warnings.append(
                f"The search-engine description is {len(self.seo_description)} "
                f"characters; keep it under {META_DESCRIPTION_MAX}."
            )
        if self.section_id is None:
            warnings.append("No section is chosen: the story will not appear on any section page.")
        for check in hooks.prepublish_checks:  # other apps' checks (articles/hooks.py)
            warnings.extend(check(self))
        return warnings

    def set_tags(self, tags):
        """Make these the article's tags: the one way to change them (see published())."""
        self.tags.set(tags, through_defaults={"public_since": self.public_since})

    def add_byline(self, author):
        """Add author after the existing bylines; nothing changes if they have one."""
        last = self.author_links.order_by("-position").first()
        position = last.position + 1 if last else 0
        return self.author_links.get_or_create(author=author, defaults={"position": position})[0]

    def set_bylines(self, authors):
        """Make these people the bylines, lead first."""
        with transaction.atomic():
            self.author_links.exclude(author__in=authors).delete()
            for position, author in enumerate(authors):
                self.author_links.update_or_create(author=author, defaults={"position": position})

    def _update_slug(self):
        """Derive the slug from the title until first publication; keep old ones."""
        if self.first_published_at is not None and self.slug:
            return
        wanted = slugify(self.title)[:240] or "article"
        if self.slug and re.fullmatch(rf"{re.escape(wanted)}(-\d+)?", self.slug):
            return
        old = self.slug
        self.slug = unique_article_slug(wanted, exclude_pk=self.pk)
        if old and self.pk:
            ArticleSlug.objects.get_or_create(slug=old, defaults={"article_id": self.pk})


def now_to_the_second():
    """A publication time as the admin shows and sends it back: whole seconds.

    With microseconds, the first save of the change form would silently move
    the time (and every revision compare would list it as changed).
    """
    return timezone.now().replace(microsecond=0)


def unique_article_slug(base, exclude_pk=None):
    """base, or base-2, base-3 … whichever no article uses now or used before."""
    current = Article.objects.filter(slug__startswith=base)
    if exclude_pk:
        current = current.exclude(pk=exclude_pk)
    taken = set(current.values_list("slug", flat=True))
    taken |= set(
        ArticleSlug.objects.filter(slug__startswith=base)
        .exclude(article_id=exclude_pk)
        .values_list("slug", flat=True)
    )
    return numbered_slug(base, taken)


class ArticleLinkQuerySet(models.QuerySet):
    def published(self):
        """Links to what readers may see: Article.objects.published() read from the copy."""
        return self.filter(public_since__lte=timezone.now())

    def newest_first(self):
        return self.order_by("-public_since", "-article_id")


class ArticleLink(models.Model):
    """A link table row that carries a copy of its article's public_since,
    so a tag or author page reads one ordered index instead of joining.

    Change links through Article.set_tags(), add_byline() and set_bylines();
    tags.add() or authors.add() without the copy raises (see below).
    """

    public_since = models.DateTimeField(null=True, editable=False)

    objects = ArticleLinkQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.public_since = self.article.public_since
        super().save(*args, **kwargs)

    @classmethod
    def build(cls, article, **fields):
        """An unsaved row carrying the article's public_since, for bulk_create."""
        return cls(article=article, public_since=article.public_since, **fields)


class ArticleTag(ArticleLink):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="article_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="unique_article_tag")
        ]
        indexes = [
            models.Index(fields=["tag", "-public_since", "-article"], name="tag_public_idx")
        ]

    def __str__(self):
        return str(self.tag)


class ArticleAuthor(ArticleLink):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="author_links")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_links"
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Bylines are shown in this order; the first is the lead."
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "byline"
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author")
        ]
        indexes = [
            models.Index(fields=["author", "-public_since", "-article"], name="author_public_idx")
        ]

    def __str__(self):
        return str(self.author)


def _refuse_links_without_public_since(sender, instance, action, reverse, pk_set, **kwargs):
    """Make tags.add(), authors.add() and their reverse sides fail unless the copy is right."""
    if action != "post_add" or not pk_set:
        return
    other = "tag" if sender is ArticleTag else "author"
    if reverse:
        added = sender.objects.filter(article_id__in=pk_set, **{other: instance})
    else:
        added = sender.objects.filter(article=instance, **{f"{other}_id__in": pk_set})
    added = added.select_related("article").only(
        "public_since", "article__status", "article__published_at"
    )
    if any(link.public_since != link.article.public_since for link in added):
        raise ValueError(
            "Link rows carry their article's public_since: change tags with "
            "Article.set_tags() and bylines with add_byline() or set_bylines()."
        )


for _through in (ArticleTag, ArticleAuthor):
    m2m_changed.connect(
        _refuse_links_without_public_since,
        sender=_through,
        dispatch_uid=f"public-since-{_through.__name__}",
    )


def _reindex(sender, instance, **kwargs):
    """A deleted article leaves the search index, a changed byline changes it."""
    search.index_after_commit(instance.pk if sender is Article else instance.article_id)


for _sender in (Article, ArticleAuthor):
    for _signal in (post_save, post_delete):
        _signal.connect(_reindex, sender=_sender, dispatch_uid=f"search-{_sender.__name__}")
post_save.disconnect(sender=Article, dispatch_uid="search-Article")  # save() does it


class ArticleSlug(models.Model):
    """A slug an article had before; its URL redirects to the current one."""

    slug = models.SlugField(max_length=255, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.slug


class Correction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    noted_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(
        max_length=1000, help_text="What was wrong and what it now says. Shown to readers."
    )

    class Meta:
        ordering = ["noted_at", "id"]

    def __str__(self):
        return f"Correction of {self.noted_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.note = clean_text(self.note)
        super().save(*args, **kwargs)


def default_preview_expiry():
    return timezone.now() + timedelta(days=settings.PREVIEW_LINK_DAYS)


def new_preview_token():
    return secrets.token_urlsafe(32)


class ExactCharField(models.CharField):
    """A CharField compared byte for byte, whatever the table's collation says.

    MySQL and MariaDB tables use utf8mb4_unicode_ci, under which an upper-cased
    secret matches; this column gets utf8mb4_bin there. SQLite and PostgreSQL
    compare exactly already, so they keep their default.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "mysql" and not self.db_collation:
            params["collation"] = "utf8mb4_bin"
        return params


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A secret link that shows an unpublished article to someone without an account."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = ExactCharField(max_length=64, unique=True, default=new_preview_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        default=default_preview_expiry, help_text="The link stops working after this."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of {self.article}"

    def get_absolute_url(self):
        return reverse("articles:preview", kwargs={"token": self.token})

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class Checkpoint(models.Model):
    """When a periodic command last ran, so it can report what happened since."""

    name = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M}"
