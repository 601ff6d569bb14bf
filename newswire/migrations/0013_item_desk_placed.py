"""An editor's placement of an item in an event: the worker leaves it there (newswire/assist.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("newswire", "0012_admin_list_ascending_and_event_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="item",
            name="desk_placed",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="An editor put this item in its event: the machine leaves it there "
                "and never merges that event with another.",
                verbose_name="placed by an editor",
            ),
        ),
    ]
