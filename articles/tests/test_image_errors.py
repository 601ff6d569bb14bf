"""Every refused picture says what is wrong and what is allowed, with real files."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from articles.tests.admin_forms import add_url, article_form_data

pytestmark = pytest.mark.django_db

ALLOWED = "Allowed: JPEG, PNG, WebP or GIF, up to 10.0\xa0MB, 200 to 8,000 pixels on each side"


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def picture(size, fmt="PNG", mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    return buffer.getvalue()


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.fixture(scope="module")
def bomb_png():
    """A valid 20000 x 20000 black-and-white PNG of a few kilobytes: a decompression bomb.

    Written chunk by chunk (what Pillow would write for mode "1"), in a fraction
    of the time Pillow takes to build the 50 MB bitmap first.
    """
    side = 20_000
    row = b"\0" * (1 + side // 8)  # filter byte, then 1 bit per pixel
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    assert len(data) < 200_000
    with pytest.raises(Image.DecompressionBombError):  # Pillow reads it as a real PNG
        Image.open(io.BytesIO(data))
    return data


def refusal(client, image):
    response = client.post(
        add_url(), article_form_data(featured_image=image, featured_image_alt="A picture")
    )
    assert response.status_code == 200
    assert not Article.objects.exists()
    return " ".join(response.context["adminform"].form.errors["featured_image"])


def test_decompression_bomb_is_refused_for_its_pixels(client_for, author, bomb_png):
    message = refusal(client_for(author), upload("bomb.png", bomb_png))
    assert "400,000,000 pixels" in message
    assert ALLOWED in message
    assert "corrupted" not in message


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("notes.jpg", b"this is not an image at all", "not an image we can read"),
        ("photo.bmp", picture((800, 500), "BMP"), "BMP images are not accepted"),
        ("icon.png", picture((50, 50)), "50 x 50 pixels; each side needs at least 200"),
        ("banner.png", picture((9000, 300)), "9,000 x 300 pixels, larger than allowed"),
        ("cut.png", picture((800, 500))[:400], "not an image we can read"),
    ],
)
def test_each_refusal_names_the_problem_and_the_rules(client_for, author, name, content, problem):
    message = refusal(client_for(author), upload(name, content))
    assert problem in message
    assert ALLOWED in message


def test_too_many_bytes_names_the_size_and_the_limit(client_for, author, settings):
    settings.FEATURED_IMAGE_MAX_BYTES = 2_000
    message = refusal(client_for(author), upload("big.png", picture((800, 500), "BMP")))
    assert "the limit is 2.0\xa0KB" in message
    assert "up to 2.0\xa0KB" in message
