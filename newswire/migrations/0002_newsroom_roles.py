"""Give the newsroom's groups the newswire: editors manage sources, authors and editors the desk."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DESK = ["newswire.view_item", "newswire.change_item"]
SOURCES = [
    "newswire.add_source",
    "newswire.change_source",
    "newswire.delete_source",
    "newswire.view_source",
]
GRANTS = {"Author": DESK, "Editor": DESK + SOURCES}


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=code.split(".")[0],
                               codename=code.split(".")[1])
        for code in codes
    ]  # fmt: skip


def grant(apps, schema_editor):
    app_config = apps.get_app_config("newswire")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codes in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, codes))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codes in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*_permissions(apps, codes))


class Migration(migrations.Migration):
    dependencies = [
        ("newswire", "0001_initial"),
        ("articles", "0002_newsroom_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
