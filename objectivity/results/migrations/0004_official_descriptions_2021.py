from django.db import migrations


def load_descriptions(apps, schema_editor):
    """Installations migrated before the 2021 descriptions were shipped get them as a new version of each
    work whose reference data is missing or was inferred from the data; values a region entered stay."""
    from objectivity.results.reference import shipped_catalogue

    Assessment = apps.get_model("results", "Assessment")
    ReferenceVersion = apps.get_model("results", "ReferenceVersion")
    for entry in shipped_catalogue():
        key = {k: entry[k] for k in ("procedure", "year", "period", "grade", "subject")}
        assessment, _created = Assessment.objects.get_or_create(**key, defaults={"form": entry["form"]})
        current = ReferenceVersion.objects.filter(assessment=assessment).order_by("-version").first()
        if current is None or current.inferred or not current.columns:
            number = current.version + 1 if current else 1
            ReferenceVersion.objects.create(assessment=assessment, version=number, **entry["values"])


class Migration(migrations.Migration):
    dependencies = [("results", "0003_alter_resultimport_kind")]
    operations = [migrations.RunPython(load_descriptions, migrations.RunPython.noop)]
