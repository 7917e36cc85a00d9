"""The first activity types, and the roles' permissions on the neighbourhood models."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIVITY_TYPES = [
    # Finnish, Swedish, English
    ("Jalkautuva työ", "Uppsökande arbete", "Outreach"),
    ("Yhteisötapahtuma", "Gemenskapsevenemang", "Community event"),
    ("Ryhmätoiminta", "Gruppverksamhet", "Group"),
    ("Palvelu", "Tjänst", "Service"),
    ("Yhteiskehittämisen työpaja", "Workshop för samutveckling", "Co-development workshop"),
    ("Viestintä", "Kommunikation", "Communication"),
    ("Koulutus", "Utbildning", "Training"),
    ("Muu", "Annat", "Other"),
]

MODELS = ["area", "unit", "partner", "project", "activitytype", "activity", "signal"]

ROLE_PERMISSIONS = {
    # Staff log activities and signals; they see and change their own (checked per object).
    "staff": [f"view_{model}" for model in MODELS]
    + ["add_activity", "change_activity", "delete_activity"]
    + ["add_signal", "change_signal", "delete_signal"],
    # Leadership read everything.
    "leadership": [f"view_{model}" for model in MODELS]
    + ["view_all_activities", "view_all_signals"],
    # Admins manage everything.
    "admin": [
        f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")
    ]
    + ["view_all_activities", "change_all_activities"]
    + ["view_all_signals", "change_all_signals"],
}


def forwards(apps, schema_editor):
    ActivityType = apps.get_model("neighbourhoods", "ActivityType")
    for position, (fi, sv, en) in enumerate(ACTIVITY_TYPES, start=1):
        ActivityType.objects.get_or_create(
            name_fi=fi, defaults={"name": fi, "name_sv": sv, "name_en": en, "position": position}
        )

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="neighbourhoods", codename__in=codenames
            )
        )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="neighbourhoods")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("neighbourhoods", "0001_initial"),
        ("goals", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
