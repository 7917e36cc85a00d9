"""Give the roles their permissions on outcome assessments and the strategy's evaluation.

Everyone reads them; leadership and admins assess outcomes and write the evaluation.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["outcomeassessment", "strategyevaluation", "goalevaluation"]
WRITES = [
    "add_outcomeassessment",
    "change_outcomeassessment",
    "add_strategyevaluation",
    "change_strategyevaluation",
    "add_goalevaluation",
    "change_goalevaluation",
]

ROLE_PERMISSIONS = {
    "staff": [f"view_{model}" for model in MODELS],
    "leadership": [f"view_{model}" for model in MODELS] + WRITES,
    "admin": [f"view_{model}" for model in MODELS] + WRITES,
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
            *Permission.objects.filter(content_type__app_label="evaluation", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="evaluation"))


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("goals", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
