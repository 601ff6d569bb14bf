"""Upload checks for images: real content, an allowed format, sane size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MIN_SIDE = 200
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000


def validate_image_upload(file):
    """Refuse anything that is not a real JPEG, PNG, WebP or GIF of a sane size."""
    if not isinstance(getattr(file, "file", file), UploadedFile):
        return  # already stored: it was checked when it was uploaded
    limit = settings.FEATURED_IMAGE_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            "This image is %(size)s; the limit is %(limit)s. Export it smaller.",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="image_too_large",
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF.",
            code="invalid_image",
        ) from None
    finally:
        file.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            "%(format)s images are not accepted. Upload a JPEG, PNG, WebP or GIF.",
            params={"format": fmt},
            code="image_format",
        )
    if min(width, height) < MIN_SIDE:
        raise ValidationError(
            "This image is %(w)s x %(h)s pixels; each side needs at least %(min)s.",
            params={"w": width, "h": height, "min": MIN_SIDE},
            code="image_too_small",
        )
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            "This image is %(w)s x %(h)s pixels; the limit is %(max)s on either side.",
            params={"w": width, "h": height, "max": MAX_SIDE},
            code="image_too_big",
        )
