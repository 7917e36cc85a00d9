"""Create the three roles and give them their permissions on the strategy content.

Later apps add their own models' permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GOALS_MODELS = [
    "strategy",
    "value",
    "phenomenonfield",
    "phenomenonsource",
    "inequalitytheme",
    "goal",
    "means",
    "outcome",
]

ROLE_PERMISSIONS = {
    # Staff read the strategy.
    "staff": [("goals", f"view_{model}") for model in GOALS_MODELS],
    # Leadership read everything, including the audit log.
    "leadership": [("goals", f"view_{model}") for model in GOALS_MODELS]
    + [("auditlog", "view_logentry")],
    # Admins manage the strategy content.
    "admin": [
        ("goals", f"{action}_{model}")
        for model in GOALS_MODELS
        for action in ("add", "change", "delete", "view")
    ]
    + [("auditlog", "view_logentry")],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in wanted:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auditlog", "__first__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
