"""Tell PostgreSQL's planner how many (year, month, area) groups the log has.

measures/cells.py groups activities and signals by CAST(EXTRACT(YEAR FROM date) AS INTEGER),
CAST(EXTRACT(MONTH FROM date) AS INTEGER) and area_id. Without statistics on those expressions
the planner guesses 100,000 groups where a million activities over three years in 182 areas
make about 6,500; it then sorts every row to group them (spilling to disk) instead of hashing
them, which made the recompute's main statement about a third slower. The expressions here
must stay the same as in cells.py. Other databases have no such statistics: nothing to do.
"""

from django.db import migrations

TABLES = {
    "activity_month_area": "neighbourhoods_activity",
    "signal_month_area": "neighbourhoods_signal",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in TABLES.items():
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} (ndistinct) ON "
            "(CAST(EXTRACT(YEAR FROM date) AS INTEGER)), "
            f"(CAST(EXTRACT(MONTH FROM date) AS INTEGER)), area_id FROM {table}"
        )
        # Statistics are gathered by ANALYZE, which samples the table: quick at any size.
        schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TABLES:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0003_wording"),
        ("neighbourhoods", "0002_activity_types_and_roles"),
    ]

    operations = [migrations.RunPython(create, drop)]
