"""Create the newsroom's groups so that `migrate` alone yields a working newsroom."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTRIBUTOR = [
    "articles.add_article",
    "articles.change_article",
    "articles.delete_article",
    "articles.view_article",
    "articles.view_section",
    "articles.view_tag",
    "articles.add_tag",
    "articles.add_articleauthor",
    "articles.change_articleauthor",
    "articles.delete_articleauthor",
    "articles.view_articleauthor",
    "articles.view_correction",
]
AUTHOR = CONTRIBUTOR + [
    "articles.publish_article",
    "articles.add_correction",
    "articles.change_correction",
    "articles.delete_correction",
]
EDITOR = AUTHOR + [
    "articles.edit_others_articles",
    "articles.add_section",
    "articles.change_section",
    "articles.delete_section",
    "articles.change_tag",
    "articles.delete_tag",
    "articles.add_previewlink",
    "articles.change_previewlink",
    "articles.view_previewlink",
    "accounts.view_user",
    "accounts.approve_user",
]
ROLES = {"Contributor": CONTRIBUTOR, "Author": AUTHOR, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate finishes; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
