"""Give the roles their permissions on means tracking.

Everyone reads the means' notes. Anyone may write a note on a means they own (checked in the
view); leadership and admins may also set owners and statuses and write on any means. Admins
manage the notes in the admin too: a note that names someone after all must be removable.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "staff": ["view_meansnote", "add_meansnote"],
    "leadership": ["view_meansnote", "add_meansnote", "manage_means"],
    "admin": [
        "view_meansnote",
        "add_meansnote",
        "change_meansnote",
        "delete_meansnote",
        "manage_means",
    ],
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
            *Permission.objects.filter(content_type__app_label="goals", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    codenames = {codename for names in ROLE_PERMISSIONS.values() for codename in names}
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="goals", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("goals", "0003_means_owner_status_notes")]

    operations = [migrations.RunPython(grant, revoke)]
