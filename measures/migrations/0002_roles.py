"""Give the roles their permissions on metrics and measurements.

Everyone reads metrics; leadership and admins enter manual values; admins define metrics.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["metric", "metricversion", "metrictarget", "metricvalue", "measurement"]

ROLE_PERMISSIONS = {
    "staff": [f"view_{model}" for model in MODELS],
    "leadership": [f"view_{model}" for model in MODELS]
    + ["add_measurement", "change_measurement", "delete_measurement"],
    "admin": [f"view_{model}" for model in MODELS]
    + [f"{action}_{model}" for model in ("metric", "metrictarget", "measurement")
       for action in ("add", "change", "delete")],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="measures", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="measures"))


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0001_initial"),
        ("goals", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
