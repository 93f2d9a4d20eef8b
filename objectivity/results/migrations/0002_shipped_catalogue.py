from django.db import migrations


def load_catalogue(apps, schema_editor):
    """The scales known from ФИОКО's descriptions, as data an administrator can edit later."""
    from objectivity.results.reference import shipped_catalogue

    Assessment = apps.get_model("results", "Assessment")
    ReferenceVersion = apps.get_model("results", "ReferenceVersion")
    for entry in shipped_catalogue():
        key = {k: entry[k] for k in ("procedure", "year", "period", "grade", "subject")}
        assessment, _created = Assessment.objects.get_or_create(**key, defaults={"form": entry["form"]})
        if not ReferenceVersion.objects.filter(assessment=assessment).exists():
            ReferenceVersion.objects.create(assessment=assessment, version=1, **entry["values"])


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial")]
    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
