"""Editing in the admin: bad input is a form error, previews, warnings and revisions."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, PreviewLink
from articles.tests.admin_forms import add_url, article_form_data, change_url
from articles.tests.factories import ArticleFactory, image_upload

pytestmark = pytest.mark.django_db


def form_errors(response):
    return response.context["adminform"].form.errors


def test_a_real_image_is_stored_with_renditions_for_srcset(client_for, author):
    response = client_for(author).post(
        add_url(),
        article_form_data(
            featured_image=image_upload(size=(1600, 900)), featured_image_alt="A ferry"
        ),
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.featured_image_width, article.featured_image_height) == (1600, 900)
    renditions = article.renditions()
    assert [width for _, width in renditions] == [480, 960, 1440]
    assert all(url.endswith(".webp") for url, _ in renditions)
    assert article.image_small.storage.exists(article.image_small.name)
    assert article.rendition_height(480) == 270


def test_small_image_gets_no_upscaled_renditions(client_for, author):
    client_for(author).post(
        add_url(),
        article_form_data(featured_image=image_upload(size=(600, 400)), featured_image_alt="x"),
    )
    assert [w for _, w in Article.objects.get().renditions()] == [480, 600]


def test_text_file_renamed_jpg_is_a_form_error(client_for, author):
    fake = SimpleUploadedFile(
        "photo.jpg", b"this is not an image at all", content_type="image/jpeg"
    )
    response = client_for(author).post(
        add_url(), article_form_data(featured_image=fake, featured_image_alt="x")
    )
    assert response.status_code == 200
    assert "featured_image" in form_errors(response)
    assert not Article.objects.exists()


def test_oversized_image_is_a_form_error(client_for, author, settings):
    settings.FEATURED_IMAGE_MAX_BYTES = 2_000
    response = client_for(author).post(
        add_url(), article_form_data(featured_image=image_upload(), featured_image_alt="x")
    )
    assert "the limit is" in str(form_errors(response)["featured_image"])
    assert not Article.objects.exists()


def test_tiny_image_and_disallowed_format_are_form_errors(client_for, author):
    client = client_for(author)
    tiny = client.post(
        add_url(),
        article_form_data(featured_image=image_upload(size=(50, 50)), featured_image_alt="x"),
    )
    assert "at least 200" in str(form_errors(tiny)["featured_image"])
    bmp = client.post(
        add_url(),
        article_form_data(
            featured_image=image_upload("photo.bmp", fmt="BMP"), featured_image_alt="x"
        ),
    )
    assert "featured_image" in form_errors(bmp)
    assert not Article.objects.exists()


def test_image_without_alt_text_is_refused(client_for, author):
    response = client_for(author).post(add_url(), article_form_data(featured_image=image_upload()))
    assert "featured_image_alt" in form_errors(response)
    assert not Article.objects.exists()


def test_invalid_canonical_url_is_a_form_error(client_for, author):
    response = client_for(author).post(
        add_url(), article_form_data(canonical_url="not a url at all")
    )
    assert "canonical_url" in form_errors(response)
    assert not Article.objects.exists()


def test_a_one_megabyte_body_is_a_form_error_not_a_crash(client_for, author):
    response = client_for(author).post(add_url(), article_form_data(body="x" * 1_000_000))
    assert response.status_code == 200
    assert "at most 200000 characters" in str(form_errors(response)["body"])
    assert not Article.objects.exists()


def test_overlong_title_is_a_form_error(client_for, author):
    response = client_for(author).post(add_url(), article_form_data(title="t" * 300))
    assert "title" in form_errors(response)


def test_change_form_shows_prepublish_warnings(client_for, editor):
    article = ArticleFactory(standfirst="", section=None)
    response = client_for(editor).get(change_url(article))
    assert b"Before you publish" in response.content
    assert b"There is no standfirst" in response.content
    assert b"No section is chosen" in response.content


def test_change_form_offers_help_and_the_markdown_cheat_sheet(client_for, author):
    response = client_for(author).get(add_url())
    assert b"Quick guide" in response.content
    assert b"## Subheading" in response.content


def test_staff_preview_their_draft_at_its_real_url(client_for, contributor):
    article = ArticleFactory(authors=[contributor], title="Draft in progress")
    response = client_for(contributor).get(article.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview" in response.content
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]


def test_a_draft_preview_has_no_separator_before_its_reading_time(client_for, contributor):
    """No publication date yet: the times line starts with the reading time, not "· "."""
    article = ArticleFactory(authors=[contributor], title="Draft in progress")
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    reading = re.search(r'<span class="story__reading">([^<]*)</span>', page).group(1)
    assert reading.strip().startswith(str(article.reading_time)), reading


def test_staff_cannot_preview_others_drafts(client_for, contributor):
    article = ArticleFactory()
    assert client_for(contributor).get(article.get_absolute_url()).status_code == 404


def test_editor_creates_a_preview_link_that_works_without_an_account(client, client_for, editor):
    article = ArticleFactory(title="Embargoed report")
    expires = timezone.localtime() + timedelta(days=7)
    data = article_form_data(
        article,
        **{
            "preview_links-TOTAL_FORMS": "1",
            "preview_links-0-expires_at_0": expires.strftime("%Y-%m-%d"),
            "preview_links-0-expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert client_for(editor).post(change_url(article), data).status_code == 302
    link = PreviewLink.objects.get()
    assert link.created_by == editor
    client.logout()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert b"Embargoed report" in response.content
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]


def test_preview_links_expire_after_seven_days_by_default_and_can_be_revoked(client):
    article = ArticleFactory(title="Embargoed harbour report")
    link = PreviewLink.objects.create(article=article)
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    assert client.get(link.get_absolute_url()).status_code == 200
    link.revoked_at = timezone.now()
    link.save()
    revoked = client.get(link.get_absolute_url())
    expired = PreviewLink.objects.create(
        article=article, expires_at=timezone.now() - timedelta(minutes=1)
    )
    gone = client.get(expired.get_absolute_url())
    for response, reason in ((revoked, "withdrew this link"), (gone, "This link expired on")):
        assert response.status_code == 410
        page = response.content.decode()
        assert "This preview link no longer works" in page and reason in page
        assert "Embargoed harbour report" not in page, "the draft is not shown"
        assert "site.css" in page, "in the site's design"
        assert response["X-Robots-Tag"].startswith("noindex")
        assert "no-store" in response["Cache-Control"]


def test_unknown_preview_token_is_404(client):
    assert client.get("/preview/not-a-real-token/").status_code == 404


def test_revisions_can_be_compared_and_restored(client_for, editor):
    client = client_for(editor)
    client.post(add_url(), article_form_data(title="First headline", body="Version one."))
    article = Article.objects.get()
    client.post(
        change_url(article),
        article_form_data(article, title="Second headline", body="Version two."),
    )
    history = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.status_code == 200
    versions = list(history.context["action_list"])
    assert len(versions) == 2
    old, new = sorted(Version.objects.get_for_object(article).values_list("pk", flat=True))
    compare = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"version_id1": old, "version_id2": new},
    )
    assert compare.status_code == 200
    assert b"Version one." in compare.content and b"Version two." in compare.content
    revert_url = reverse("admin:articles_article_revision", args=[article.pk, old])
    form = client.get(revert_url)
    assert form.status_code == 200
    article.refresh_from_db()
    assert article.title == "Second headline"  # looking at a revision changes nothing
    client.post(
        revert_url, article_form_data(article, title="First headline", body="Version one.")
    )
    article.refresh_from_db()
    assert (article.title, article.body) == ("First headline", "Version one.")


def test_editing_an_article_that_already_has_an_image_keeps_it(
    client_for, author, settings, tmp_path
):
    # Files on disk, as in production: the stored image is reopened on validation.
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    client = client_for(author)
    client.post(
        add_url(),
        article_form_data(
            featured_image=image_upload(size=(1600, 900)), featured_image_alt="A ferry"
        ),
    )
    article = Article.objects.get()
    stored = article.featured_image.name
    response = client.post(
        change_url(article),
        article_form_data(article, title="Ferry back", featured_image_alt="A ferry"),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Ferry back"
    assert article.featured_image.name == stored


@pytest.mark.parametrize(
    "alter",
    [str.upper, str.lower, str.swapcase, lambda t: t + " ", lambda t: t + "%20"],
    ids=["upper", "lower", "swapcase", "trailing space", "encoded space"],
)
def test_a_preview_token_opens_only_when_typed_exactly(client, alter):
    link = PreviewLink.objects.create(article=ArticleFactory(), token="aBcD" + "x1Y2" * 10)
    assert client.get(link.get_absolute_url()).status_code == 200
    assert client.get(f"/preview/{alter(link.token)}/").status_code == 404


def test_the_database_compares_preview_tokens_exactly():
    # The column itself, not only the view, tells "aBc" from "ABC" (utf8mb4_bin on MariaDB).
    link = PreviewLink.objects.create(article=ArticleFactory(), token="aBcD" + "x1Y2" * 10)
    assert not PreviewLink.objects.filter(token=link.token.upper()).exists()
    assert not PreviewLink.objects.filter(token=link.token.lower()).exists()
    assert PreviewLink.objects.filter(token=link.token).exists()


def test_the_article_list_shows_its_order_the_time_of_the_last_change(client_for, editor):
    """Sorted by the last change, newest first: that time is a column, marked as the order,
    so the list does not read as unordered; dates carry their year."""
    old = ArticleFactory(published=True, title="Older story")
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=400))
    ArticleFactory(published=True, title="Newer story")
    page = client_for(editor).get(reverse("admin:articles_article_changelist")).content.decode()
    assert 'class="sortable column-updated sorted descending"' in page
    assert page.index("Newer story") < page.index("Older story")
    year = (timezone.localtime() - timedelta(days=400)).strftime("%Y")
    row = page[page.index("Older story") :].split("</tr>")[0]
    assert re.search(rf'class="field-updated"><time datetime="[^"]+">\d\d \w{{3}} {year}', row)
