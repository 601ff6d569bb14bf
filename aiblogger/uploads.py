"""The admin's upload forms: the limit stated and checked before upload; a full disk."""

import contextlib

from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.storage import default_storage
from django.db import models

from aiblogger.storage import DISK_FULL_MESSAGE, StorageFull, collect_saved_files

IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class LimitedImageWidget(AdminFileWidget):
    """A file input that refuses an oversized image in the browser (static/js/upload-limit.js).

    Nginx refuses a body over the limit with a page of its own, and the editor
    would lose the form; the server checks again in any case.
    """

    class Media:
        js = ["js/upload-limit.js"]

    def __init__(self, attrs=None):
        super().__init__(attrs={"accept": IMAGE_TYPES, **(attrs or {})})


class UploadAdminMixin:
    """Image fields that state and check their limit; a full disk as a form error.

    A save that fails for a full disk runs in the admin's transaction, so the
    rows are rolled back; the files stored before the failure (an original
    before its renditions) are deleted here. The second pass only validates,
    with the error on the file fields, so the editor keeps everything typed.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.ImageField) and formfield is not None:
            limit = settings.FEATURED_IMAGE_MAX_BYTES
            formfield.widget = LimitedImageWidget(
                attrs={**formfield.widget.attrs, "data-max-bytes": str(limit)}
            )
            stated = f"{limit // 2**20} MB"
            if stated not in formfield.help_text:
                formfield.help_text = f"{formfield.help_text} Up to {stated}.".strip()
        return formfield

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with collect_saved_files() as saved:
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except StorageFull:
                pass
        for name in saved:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        for upload in request.FILES.values():
            upload.seek(0)  # read to the end by the first pass
        request.storage_full = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, *args, **kwargs):
        form = super().get_form(request, *args, **kwargs)
        if not getattr(request, "storage_full", False):
            return form

        def clean(self):
            cleaned = form.clean(self)
            fields = [name for name in self.files if name in self.fields]
            for name in fields or [None]:
                self.add_error(name, DISK_FULL_MESSAGE)
            return cleaned

        return type(form.__name__, (form,), {"clean": clean})
