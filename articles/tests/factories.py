import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from articles.models import Article, Section, Tag


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft by default; `published_ago=timedelta(...)`, or the `published` or
    `scheduled` traits, for others."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Council approves budget number {n}")
    standfirst = factory.Faker("sentence")
    body = factory.Faker("paragraph", nb_sentences=8)
    section = factory.SubFactory(SectionFactory)
    status = factory.LazyAttribute(
        lambda o: Article.Status.DRAFT if o.published_ago is None else Article.Status.PUBLISHED
    )
    published_at = factory.LazyAttribute(
        lambda o: None if o.published_ago is None else timezone.now() - o.published_ago
    )

    class Params:
        published_ago = None
        published = factory.Trait(
            status=Article.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        scheduled = factory.Trait(
            status=Article.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
        )

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        self.set_bylines(extracted or [UserFactory(role="Author")])

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.set_tags(extracted)


def archive(count, *, sections=3, tags=4, authors=3):
    """`count` stories published a minute apart, newest first, each with several
    tags and two bylines, spread over a few sections, tags and authors."""
    section_list = [SectionFactory() for _ in range(sections)]
    tag_list = [TagFactory() for _ in range(tags)]
    people = [UserFactory(role="Author") for _ in range(authors)]
    return [
        ArticleFactory(
            published_ago=timedelta(minutes=n + 1),
            section=section_list[n % sections],
            tags=tag_list[n % 2 : n % 2 + 3],
            authors=[people[n % authors], people[(n + 1) % authors]],
            featured=n % 7 == 0,
        )
        for n in range(count)
    ]


def image_upload(name="photo.jpg", size=(800, 500), fmt=None, color=(30, 120, 200)):
    """A real picture drawn by Pillow, uploaded as `name` (its format from the extension)."""
    fmt = fmt or Image.registered_extensions()["." + name.rsplit(".", 1)[-1].lower()]
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    content_type = Image.MIME.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)
