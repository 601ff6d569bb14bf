"""Every staff member edits their own public profile; only editors edit anyone's."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["Contributor", "Author", "Editor"]
MY_PROFILE = reverse("admin:accounts_user_my_profile")


def profile_url(user):
    return reverse("admin:accounts_user_profile", args=[user.pk])


def avatar(size=(400, 400)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 90, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def new_profile(**extra):
    return {"display_name": "Rosa Marchetti", "bio": "Covers the harbour.", **extra}


def posting(client, url, data):
    """POST the profile form as a browser would: with the version it was opened on."""
    page = client.get(url)
    version = page.context["form"]["concurrency_version"].value() if page.status_code == 200 else 1
    return client.post(url, {**data, "concurrency_version": version})


@pytest.mark.parametrize("role", ROLES)
def test_every_role_finds_and_edits_their_own_profile(client_for, role):
    me = UserFactory(role=role, display_name="Old Name")
    client = client_for(me)
    home = client.get(reverse("admin:index")).content.decode()
    assert f'href="{MY_PROFILE}">My profile</a>' in home
    assert client.get(MY_PROFILE).status_code == 200
    response = posting(client, MY_PROFILE, new_profile(avatar=avatar()))
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.display_name, me.bio) == ("Rosa Marchetti", "Covers the harbour.")
    assert me.avatar.name.endswith(".png")
    page = client.get(response["Location"]).content.decode()
    assert "Your profile was saved." in page
    assert "Rosa Marchetti" in client.get(me.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", ["Contributor", "Author"])
def test_writers_cannot_edit_anyone_elses_profile(client_for, role):
    me, colleague = UserFactory(role=role), UserFactory(role="Author", display_name="Kept Name")
    client = client_for(me)
    assert client.get(profile_url(colleague)).status_code == 403
    assert posting(client, profile_url(colleague), new_profile()).status_code == 403
    colleague.refresh_from_db()
    assert colleague.display_name == "Kept Name"


def test_own_profile_by_its_address_is_fine_for_a_writer(client_for, contributor):
    response = posting(client_for(contributor), profile_url(contributor), new_profile())
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.display_name == "Rosa Marchetti"


def test_editor_edits_a_colleagues_profile(client_for, editor):
    colleague = UserFactory(role="Contributor", display_name="Typo Nmae")
    client = client_for(editor)
    change = client.get(reverse("admin:accounts_user_change", args=[colleague.pk]))
    assert profile_url(colleague) in change.content.decode()
    response = posting(client, profile_url(colleague), new_profile())
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.display_name == "Rosa Marchetti"
    assert (
        "The profile of Rosa Marchetti was saved."
        in client.get(response["Location"]).content.decode()
    )


def test_readers_and_strangers_get_the_admin_login(client, client_for):
    reader = UserFactory()
    for who in (None, reader):
        if who:
            client_for(who)
        response = posting(client, MY_PROFILE, new_profile())
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    reader.refresh_from_db()
    assert reader.display_name != "Rosa Marchetti"


def test_unknown_profile_is_404(client_for, editor):
    assert client_for(editor).get("/admin/accounts/user/999999/profile/").status_code == 404
    assert client_for(editor).get("/admin/accounts/user/abc/profile/").status_code == 404


def test_a_bad_avatar_is_refused_with_the_rules(client_for, author):
    response = posting(client_for(author), MY_PROFILE, new_profile(avatar=avatar((60, 60))))
    assert response.status_code == 200
    html = response.content.decode()
    assert "60 x 60 pixels; each side needs at least 200" in html
    assert "Allowed: JPEG, PNG, WebP or GIF" in html
    assert not User.objects.get(pk=author.pk).avatar


def test_a_nameless_member_is_bylined_staff_and_nudged_to_choose_a_name(client_for, admin_client):
    """Neither a display nor a full name: readers see "Staff" at /author/author-N/, and the
    profile page and the account page say what to set."""
    nameless = UserFactory(role="Contributor", username="jq_login", display_name="")
    other = UserFactory(role="Author", username="jq_other", display_name="")
    assert (nameless.byline, str(nameless), other.byline) == ("Staff", "Staff", "Staff")
    assert re.fullmatch(r"author-\d+", nameless.slug) and nameless.slug != other.slug
    nudge = "Readers see this person&#x27;s stories bylined “Staff”: set a display name"
    assert nudge in client_for(nameless).get(MY_PROFILE).text
    account = reverse("admin:accounts_user_change", args=[nameless.pk])
    assert nudge in admin_client.get(account).text
    # Once named, no nudge.
    posting(client_for(nameless), MY_PROFILE, new_profile())
    assert nudge not in client_for(nameless).get(MY_PROFILE).text


def test_an_author_page_address_made_from_the_login_name_is_pointed_out(admin_client):
    """Accounts whose slug was made from the login name before it stopped being a source:
    the account page says so, until an editor changes the slug."""
    member = UserFactory(role="Author", username="jq_login", display_name="Rosa Marchetti")
    User.objects.filter(pk=member.pk).update(slug="jq_login")
    account = reverse("admin:accounts_user_change", args=[member.pk])
    assert "/author/jq_login/ is the login name" in admin_client.get(account).text
    User.objects.filter(pk=member.pk).update(slug="rosa-marchetti")
    assert "is the login name" not in admin_client.get(account).text
    # A login name the person also chose as their public name is theirs to show.
    assert not User(username="rosa", display_name="Rosa", slug="rosa-2").slug_shows_login_name
    assert User(username="rosa", display_name="Rosa M", slug="rosa-2").slug_shows_login_name


def test_an_account_added_in_the_admin_takes_its_public_name_there(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "jq_new",
            "display_name": "Ines Duarte",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    member = User.objects.get(username="jq_new")
    assert (member.byline, member.slug) == ("Ines Duarte", "ines-duarte")
