"""No lost work: the version check, presence and autosave every newsroom admin shares.

- `Versioned` gives a model a `version` column that every save bumps in the same
  UPDATE that writes the row (`... SET version = version + 1 WHERE pk = %s AND
  version = %s`): of two racing saves from one version, one updates no row and
  raises `StaleEdit`; its transaction rolls back whole.
- `ConcurrentAdmin` carries the version in a hidden field of the change form,
  refuses a stale save with the typed input kept, shows who changed what since
  (django-reversion-compare) and offers to re-apply the editor's own changes on
  top of the current version. List actions skip rows changed since the list was
  shown. Presence (who else has the form open) lives in the cache; autosaves are
  private `Autosave` rows. Both need static/js/concurrency.js; the check does not.
"""

import functools
from datetime import datetime, time, timedelta

import reversion
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.http import (
    Http404,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.helpers import html_diff

VERSION_FIELD = "concurrency_version"
REAPPLY = "_reapply"
AUTOSAVE_SECONDS = 30
AUTOSAVE_KEEP = timedelta(days=7)
PRESENCE_SECONDS = 20  # heartbeat period of the JavaScript
PRESENCE_TTL = 75  # an editor not heard from for this long has left
REVISIONS_SHOWN = 30
# Form fields that are not content: never autosaved, never compared.
NOT_CONTENT = {"csrfmiddlewaretoken", VERSION_FIELD, REAPPLY, "_save", "_continue", "_addanother"}
OPENED_PREFIX = "concurrency_opened_"


class StaleEdit(Exception):
    """A save was made from a version of the row that is no longer current."""

    def __init__(self, obj):
        super().__init__(f"{obj._meta.verbose_name} {obj.pk} changed since version {obj.version}")
        self.obj = obj


class Versioned(models.Model):
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped by every save; forms send it back."
    )
    # Bookkeeping fields whose own saves (update_fields within these) neither
    # check nor bump the version: a login or a feed poll is not an edit.
    concurrency_exempt = ()

    class Meta:
        abstract = True

    # Fields a revision restore leaves as they are (kept out of revisions: secrets).
    restore_keeps = ()

    def _save_table(self, raw=False, *args, **kwargs):
        self._concurrency_raw = raw
        if raw and self.pk and self.restore_keeps:
            kept = type(self)._base_manager.filter(pk=self.pk).values(*self.restore_keeps).first()
            for name, value in (kept or {}).items():
                setattr(self, name, value)
        return super()._save_table(raw, *args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        if update_fields is not None and set(update_fields) <= set(self.concurrency_exempt):
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        field = self._meta.get_field("version")
        values = [value for value in values if value[0] is not field]
        # A raw save (a revision restore, loaddata) carries the version of its
        # time: it keeps the row's. The restore form's own save is then checked.
        raw = getattr(self, "_concurrency_raw", False)
        if not raw:
            values.append((field, None, F("version") + 1))
        expected = base_qs if raw else base_qs.filter(version=self.version)
        if super()._do_update(expected, using, pk_val, values, update_fields, forced_update):
            if raw:
                self.version = base_qs.filter(pk=pk_val).values_list("version", flat=True).get()
            else:
                self.version += 1
            return True
        if base_qs.filter(pk=pk_val).exists():
            raise StaleEdit(self)
        return False


def bump(queryset, **changes):
    """QuerySet.update() for versioned rows: the change counts as an edit."""
    return queryset.update(version=F("version") + 1, **changes)


# --- what changed, by whom -----------------------------------------------------
def _revisions(obj):
    return list(
        Version.objects.get_for_object(obj)
        .select_related("revision__user")
        .order_by("-pk")[:REVISIONS_SHOWN]
    )


def _version_of(revision_version):
    try:
        return revision_version.field_dict.get("version") or 0
    except Exception:  # an old revision that no longer loads: treat as ancient
        return 0


def changes_since(obj, version):
    """(revision the form was opened on or None, newer revisions newest first)."""
    newer, base = [], None
    for rev in _revisions(obj):
        if _version_of(rev) > version:
            newer.append(rev)
        else:
            base = rev
            break
    return base, newer


def last_change(obj):
    """' (by X at HH:MM)' for the newest revision of obj, or ''."""
    revisions = _revisions(obj)[:1]
    if not revisions:
        return ""
    revision = revisions[0].revision
    who = f"by {revision.user} " if revision.user else ""
    return f" ({who}at {timezone.localtime(revision.date_created):%H:%M})"


def editor_changed(form, base, *, exclude=()):
    """Names of the form's fields the editor changed relative to the revision `base`.

    Without a revision for a field (a form-only field, or no history yet), the
    comparison is with the current value, as Django's changed_data does.
    """
    base_object = base._object_version.object if base is not None else None
    changed = []
    for name, field in form.fields.items():
        if name in NOT_CONTENT or name.startswith(OPENED_PREFIX) or name in exclude:
            continue
        if field.disabled:
            continue
        try:
            model_field = form.instance._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        concrete = (
            model_field is not None and model_field.concrete and not model_field.many_to_many
        )
        if name in getattr(form, "opened_fields", ()):
            # A form-only field (no revision holds it): compare with the value the form
            # carried when it was opened, so a re-apply does not write it back unchanged.
            initial = form.opened_value(name)
        elif base_object is not None and concrete:
            initial = model_field.value_from_object(base_object)
            if isinstance(initial, datetime | time) and not field.widget.supports_microseconds:
                initial = initial.replace(microsecond=0)  # as BoundField.initial does
        else:
            initial = form.get_initial_for_field(field, name)
        if field.has_changed(initial, form[name].data):
            changed.append(name)
    return changed


# --- the form ------------------------------------------------------------------
class OpenedValueField(forms.CharField):
    """A hidden copy of a value as the form was opened: bookkeeping, never an edit."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        return False  # not in the change message, not in "what you changed"


class VersionedFormMixin:
    """Checks the version the form was opened on; re-applies the editor's changes on demand."""

    concurrency_admin = None  # set by ConcurrentAdmin.get_form: its revision compare

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=self.instance.version
        )
        # A form class may name opened_fields: form-only multiple-choice fields (an m2m kept
        # outside the model's revisions) whose value as opened travels in a hidden field,
        # the base a re-apply compares the editor's value with.
        for name in getattr(self, "opened_fields", ()):
            initial = self.fields[name].initial or []
            self.fields[OPENED_PREFIX + name] = OpenedValueField(
                initial=",".join(str(getattr(value, "pk", value)) for value in initial)
            )
        self.concurrency_conflict = None

    def opened_value(self, name):
        """The value of an opened_fields field when the form was opened (a list of pks)."""
        if not self.is_bound or OPENED_PREFIX + name not in self.data:
            return self.fields[name].initial  # a client that did not send it: as now
        raw = self.data.get(OPENED_PREFIX + name, "")
        return [part for part in raw.split(",") if part]

    def clean(self):
        data = super().clean()
        if not self.instance.pk:
            return data
        opened = data.get(VERSION_FIELD)
        reapply = self.data.get(REAPPLY, "")
        target = int(reapply) if reapply.isdigit() else opened
        current = self.instance.version
        if opened is None or target != current:
            self.concurrency_conflict = conflict(self, opened or 0)
            raise forms.ValidationError(
                render_to_string("admin/concurrency/conflict.html", self.concurrency_conflict),
                code="stale",
            )
        if reapply and opened != current:
            # Keep what others changed where the editor changed nothing.
            base, _ = changes_since(self.instance, opened)
            mine = set(editor_changed(self, base))
            for name in list(data):
                if name not in mine and name in self.fields and name != VERSION_FIELD:
                    data.pop(name)
        return data


def snapshot(obj):
    """Keep a revision of the version being opened, if none has it: the base of a re-apply."""
    if not reversion.is_registered(obj.__class__):  # request.user is a lazy object
        return
    newest = _revisions(obj)[:1]
    if newest and _version_of(newest[0]) == obj.version:
        return
    with reversion.create_revision():
        reversion.add_to_revision(obj)
        reversion.set_comment("Saved outside the change form." if newest else "First version.")


def save_versioned(form, *, by):
    """form.save() in one transaction, as a revision by `by`; False (and the refusal
    on the form) if it lost a race."""
    try:
        with transaction.atomic(), reversion.create_revision():
            form.save()
            reversion.set_user(by)
        return True
    except StaleEdit:
        form.instance.refresh_from_db()
        form._errors = None
        form.full_clean()  # the check now sees the newer version and refuses
        return False


def _keep_their_inline_changes(form, formsets):
    """On a re-apply, an inline row the editor left as it was opened is not written back."""
    opened = form.cleaned_data.get(VERSION_FIELD) or 0
    base, _ = changes_since(form.instance, opened)
    if base is None:
        return
    for formset in formsets:
        content_type = ContentType.objects.get_for_model(formset.model)
        for row in formset.initial_forms:
            if row.instance.pk is None:
                continue
            as_opened = base.revision.version_set.filter(
                content_type=content_type, object_id=str(row.instance.pk)
            ).first()
            if as_opened is not None and not editor_changed(row, as_opened):
                row.has_changed = lambda: False


def versioned_form(form_class):
    if issubclass(form_class, VersionedFormMixin):
        return form_class
    return type(form_class.__name__, (VersionedFormMixin, form_class), {})


def conflict(form, opened):
    """Context of the refusal: who saved since, what they changed, what the editor changed."""
    obj = form.instance
    base, newer = changes_since(obj, opened)
    diff = []
    model_admin = form.concurrency_admin
    if newer and model_admin is not None:
        try:
            diff, _ = model_admin.compare(obj, base or newer[-1], newer[0])
        except Exception:  # reversion-compare cannot load an old revision
            diff = []
    mine = editor_changed(form, base)
    theirs = {d["field"].name for d in diff if hasattr(d["field"], "name")}
    differs = []
    for name in form.changed_data:  # the form's instance is the current version
        if name in NOT_CONTENT or name.startswith(OPENED_PREFIX) or name not in form.fields:
            continue
        field = form.fields[name]
        saved = field.prepare_value(form.get_initial_for_field(field, name))
        differs.append(
            {"label": field.label or name, "diff": html_diff(_text(saved), _text(form[name].data))}
        )
    return {
        "opened": opened,
        "current": obj.version,
        "newer": newer,
        "diff": diff,
        "mine": [form.fields[name].label or name for name in mine],
        "both": [form.fields[name].label or name for name in mine if name in theirs],
        "differs": differs,
        "reapply": REAPPLY,
    }


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


# --- presence --------------------------------------------------------------------
def _presence_key(obj):
    return f"presence:{obj._meta.label_lower}:{obj.pk}"


def presence_seen(obj, user, *, leaving=False):
    """Record that `user` has the form open (or left); return the others, oldest first."""
    key = _presence_key(obj)
    now = timezone.now()
    editors = cache.get(key) or {}
    editors = {
        uid: entry
        for uid, entry in editors.items()
        if (now.timestamp() - entry["seen"]) < PRESENCE_TTL
    }
    if leaving:
        editors.pop(user.pk, None)
    else:
        since = editors.get(user.pk, {}).get("since", now.isoformat())
        editors[user.pk] = {"name": str(user), "since": since, "seen": now.timestamp()}
    cache.set(key, editors, PRESENCE_TTL)
    return [
        {"name": entry["name"],
         "since": timezone.localtime(datetime.fromisoformat(entry["since"])).strftime("%H:%M")}
        for uid, entry in sorted(editors.items(), key=lambda kv: kv[1]["since"])
        if uid != user.pk
    ]  # fmt: skip


# --- autosave ----------------------------------------------------------------------
def _autosaves(user, obj):
    from accounts.models import Autosave

    return Autosave.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        saved_at__gte=timezone.now() - AUTOSAVE_KEEP,
    )


def autosave_store(user, obj, post):
    from accounts.models import Autosave

    fields = [[name, values] for name, values in post.lists() if name not in NOT_CONTENT]
    opened = post.get(VERSION_FIELD, "")
    Autosave.objects.filter(saved_at__lt=timezone.now() - AUTOSAVE_KEEP).delete()
    return Autosave.objects.update_or_create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        defaults={"data": fields, "version": int(opened) if opened.isdigit() else obj.version},
    )[0]


def autosave_data(autosave):
    data = QueryDict(mutable=True)
    for name, values in autosave.data:
        data.setlist(name, values)
    data[VERSION_FIELD] = str(autosave.version)
    return data


def autosave_offer(form_class, obj, autosave):
    """The fields where the autosave differs from what is saved, with their diffs."""
    form = form_class(data=autosave_data(autosave), instance=obj)
    changes = []
    for name in form.changed_data:
        if name in NOT_CONTENT:
            continue
        saved, kept = form.get_initial_for_field(form.fields[name], name), form[name].data
        changes.append(
            {"label": form.fields[name].label or name, "diff": html_diff(saved or "", kept or "")}
        )
    return changes


def _shown_versions(post):
    """{pk: version} a change list showed, from its hidden `_versions` inputs."""
    return dict(pair.split(":", 1) for pair in post.getlist("_versions") if ":" in pair)


# --- the admin ------------------------------------------------------------------------
class ConcurrentAdmin(CompareVersionAdmin):
    """Mixin for every ModelAdmin that edits shared newsroom data (see the module docstring)."""

    # Never put in a revision (secrets); a restore keeps their current value.
    revision_exclude = ()

    def reversion_register(self, model, **kwargs):
        if model is self.model and self.revision_exclude:
            kwargs["exclude"] = self.revision_exclude
        super().reversion_register(model, **kwargs)

    def compare(self, obj, version1, version2):
        diff, unfollowed = super().compare(obj, version1, version2)
        return [d for d in diff if getattr(d["field"], "name", None) != "version"], unfollowed

    def get_form(self, request, obj=None, *args, **kwargs):
        form = super().get_form(request, obj, *args, **kwargs)
        if obj is None:
            return form
        return type(
            form.__name__,
            (versioned_form(form),),
            {"concurrency_admin": self},
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/presence/",
                view(self.presence_view),
                name="{}_{}_presence".format(*info),
            ),
            path(
                "<path:object_id>/autosave/",
                view(self.autosave_view),
                name="{}_{}_autosave".format(*info),
            ),
            *super().get_urls(),
        ]

    def _editable(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def presence_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._editable(request, object_id)
        others = presence_seen(obj, request.user, leaving="leave" in request.POST)
        return JsonResponse({"others": others, "version": obj.version})

    def autosave_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._editable(request, object_id)
        if "discard" in request.POST:
            _autosaves(request.user, obj).delete()
            return HttpResponseRedirect(self._change_url(obj))
        autosave = autosave_store(request.user, obj, request.POST)
        return JsonResponse(
            {"saved_at": timezone.localtime(autosave.saved_at).strftime("%H:%M:%S")}
        )

    def _change_url(self, obj):
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)])

    def _restoring(self, request):
        return request.method == "GET" and request.GET.get("autosave") == "restore"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        restoring_revision = (extra_context or {}).get("revert") or (extra_context or {}).get(
            "recover"
        )
        if object_id and request.method == "GET" and not restoring_revision:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_change_permission(request, obj):
                extra_context = {
                    **(extra_context or {}),
                    **self._concurrency_context(request, obj),
                }
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEdit:
            # A save committed between the form's check and this UPDATE; the
            # transaction rolled back whole. Render the refusal with the input kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _concurrency_context(self, request, obj):
        snapshot(obj)
        info = self.opts.app_label, self.opts.model_name
        autosave = _autosaves(request.user, obj).first()
        offer = []
        if autosave is not None and not self._restoring(request):
            offer = autosave_offer(self.get_form(request, obj, change=True), obj, autosave)
        return {
            "concurrency": {
                "presence_url": reverse(
                    "admin:{}_{}_presence".format(*info), args=[quote(obj.pk)]
                ),
                "autosave_url": reverse(
                    "admin:{}_{}_autosave".format(*info), args=[quote(obj.pk)]
                ),
                "others": presence_seen(obj, request.user),
                "autosave": autosave if offer else None,
                "autosave_changes": offer,
                "restored": autosave is not None and self._restoring(request),
                "change_url": self._change_url(obj),
                "autosave_seconds": getattr(settings, "AUTOSAVE_SECONDS", AUTOSAVE_SECONDS),
                "presence_seconds": getattr(settings, "PRESENCE_SECONDS", PRESENCE_SECONDS),
            }
        }

    def _bound_to_autosave(self, request, obj):
        if obj is None or not self._restoring(request):
            return None
        autosave = _autosaves(request.user, obj).first()
        return autosave_data(autosave) if autosave else None

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        data = self._bound_to_autosave(request, obj)
        if data is not None and f"{prefix}-TOTAL_FORMS" in data:
            kwargs["data"] = data
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        data = self._bound_to_autosave(request, obj)
        adminform = context.get("adminform")
        if data is not None and adminform is not None:
            form_class = type(adminform.form)
            bound = form_class(data=data, instance=obj)
            bound._errors = {}  # show the restored values, not their validation yet
            adminform.form = bound
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        if change and form.data.get(REAPPLY):
            _keep_their_inline_changes(form, formsets)
        super().save_related(request, form, formsets, change)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            _autosaves(request.user, obj).delete()
            presence_seen(obj, request.user, leaving=True)  # the form is closed by its save

    # --- list actions: skip rows changed since the list was shown --------------------
    def action_checkbox(self, obj):
        """Django's checkbox as its CheckboxInput renders it, written out: the widget's
        templates cost a third of a 100-row list's CPU (1M-article bench, issue 21)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="{}"><input type="hidden" name="_versions" value="{}:{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
            obj.pk,
            obj.version,
        )

    def get_changelist_form(self, request, **kwargs):
        """list_editable rows: refuse a row changed since the list was shown."""
        base = super().get_changelist_form(request, **kwargs)

        class ListRowForm(base):
            def clean(self):
                data = super().clean()
                shown = _shown_versions(self.data)
                pk = str(self.instance.pk)
                changed = self.instance.pk and self.has_changed()
                if changed and shown.get(pk) != str(self.instance.version):
                    raise forms.ValidationError(
                        f"“{self.instance}” changed since the list was shown"
                        f"{last_change(self.instance)}: reload the list.",
                        code="stale",
                    )
                return data

        return ListRowForm

    def get_actions(self, request):
        return {
            name: (self._checked_action(func), name, description)
            for name, (func, name, description) in super().get_actions(request).items()
        }

    def _checked_action(self, func):
        @functools.wraps(func)
        def checked(modeladmin, request, queryset):
            shown = _shown_versions(request.POST)
            with transaction.atomic():
                pks = list(queryset.values_list("pk", flat=True))
                rows = self.model._base_manager.select_for_update().filter(pk__in=pks)
                stale = [
                    obj for obj in rows
                    if str(obj.pk) in shown and shown[str(obj.pk)] != str(obj.version)
                ]  # fmt: skip
                for obj in stale:
                    base, newer = changes_since(obj, int(shown[str(obj.pk)] or 0))
                    who = (
                        f" by {newer[0].revision.user}" if newer and newer[0].revision.user else ""
                    )
                    self.message_user(
                        request,
                        f"Skipped “{obj}”: it changed{who} since the list was shown. "
                        "Reload the list and try again.",
                        messages.WARNING,
                    )
                if stale:
                    queryset = queryset.exclude(pk__in=[obj.pk for obj in stale])
                    if not queryset.exists():
                        return None
                return func(modeladmin, request, queryset)

        return checked
