"""Upload checks for images: real content, an allowed format, sane size.

Every refusal says what is wrong and then what is allowed, so an editor can
fix the picture without asking anyone.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MIN_SIDE = 200
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


def allowed_images_text():
    """What an upload may be, in one sentence (also the fields' help text)."""
    return (
        f"Allowed: JPEG, PNG, WebP or GIF, up to "
        f"{filesizeformat(settings.FEATURED_IMAGE_MAX_BYTES)}, "
        f"{MIN_SIDE} to {MAX_SIDE:,} pixels on each side and "
        f"{MAX_PIXELS // 1_000_000} megapixels in all."
    )


def _refuse(problem, code, **params):
    return ValidationError(f"{problem} {allowed_images_text()}", code=code, params=params)


def validate_image_upload(file):
    """Refuse anything that is not a real JPEG, PNG, WebP or GIF of a sane size."""
    if not isinstance(getattr(file, "file", file), UploadedFile):
        return  # already stored: it was checked when it was uploaded
    check_uploaded_image(file)


def check_uploaded_image(file):
    """The checks themselves, on a fresh upload; raises ValidationError."""
    if file.size > settings.FEATURED_IMAGE_MAX_BYTES:
        raise _refuse(
            "This image is %(size)s; the limit is %(limit)s. Export it smaller.",
            "image_too_large",
            size=filesizeformat(file.size),
            limit=filesizeformat(settings.FEATURED_IMAGE_MAX_BYTES),
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt, (width, height) = image.format, image.size
            image.verify()
    except Image.DecompressionBombError as error:
        # Pillow refuses to even measure it: far beyond any sane picture.
        found = _BOMB_PIXELS.search(str(error))
        pixels = f"{int(found.group(1)):,} pixels" if found else "far too many pixels"
        raise _refuse(
            "This image has %(pixels)s, too many to open safely.",
            "image_too_big",
            pixels=pixels,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(
            "This file is not an image we can read (it may be damaged or another kind of file).",
            "invalid_image",
        ) from None
    finally:
        file.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise _refuse("%(format)s images are not accepted.", "image_format", format=fmt or "These")
    if min(width, height) < MIN_SIDE:
        raise _refuse(
            "This image is %(w)s x %(h)s pixels; each side needs at least %(min)s.",
            "image_too_small",
            w=width,
            h=height,
            min=MIN_SIDE,
        )
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise _refuse(
            "This image is %(w)s x %(h)s pixels, larger than allowed.",
            "image_too_big",
            w=f"{width:,}",
            h=f"{height:,}",
        )


class ImageUploadField(forms.ImageField):
    """forms.ImageField that runs the checks above first.

    Django's own ImageField opens the upload before any model validator and
    answers every problem, a decompression bomb included, with one generic
    "not an image or a corrupted image"; the project's messages come first.
    """

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is not None:
            check_uploaded_image(upload)
        return super().to_python(data)
