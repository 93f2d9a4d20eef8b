"""Findings store codes and numbers (ADR 0014): the risk becomes a code, the reasons a list of items; the words of
earlier runs stay as legacy text, shown as they are. Runs record their method version and every parameter."""

from django.db import migrations, models

RISK_CODES = {"высокий": "high", "средний": "medium", "низкий": "low"}
BATCH = 2000


def risk_words_to_codes(apps, schema_editor):
    """The risk of earlier findings as codes; their reasons (Russian sentences joined by «; », which the layers'
    own texts contain too, so they cannot be split back into items) were kept by the rename as legacy text."""
    Finding = apps.get_model("detection", "Finding")
    for word, code in RISK_CODES.items():
        Finding.objects.filter(risk=word).update(risk=code)


def codes_to_risk_words(apps, schema_editor):
    """Back to words: the risk, and the reasons of findings stored as codes rendered into the text field."""
    from objectivity.analysis.wording import reasons_text

    Finding = apps.get_model("detection", "Finding")
    for word, code in RISK_CODES.items():
        Finding.objects.filter(risk=code).update(risk=word)
    batch = []
    for finding in Finding.objects.filter(legacy_reasons="").only("pk", "reasons").iterator(chunk_size=BATCH):
        finding.legacy_reasons = reasons_text(finding.reasons)
        batch.append(finding)
        if len(batch) == BATCH:
            Finding.objects.bulk_update(batch, ["legacy_reasons"])
            batch = []
    Finding.objects.bulk_update(batch, ["legacy_reasons"])


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0002_evidence_figures_and_list_speed"),
    ]

    operations = [
        migrations.RenameField(model_name="finding", old_name="reasons", new_name="legacy_reasons"),
        migrations.AlterField(model_name="finding", name="legacy_reasons", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="finding",
            name="reasons",
            field=models.JSONField(blank=True, default=list, verbose_name="reasons"),
        ),
        migrations.AlterField(
            model_name="finding",
            name="risk",
            field=models.CharField(
                choices=[("high", "высокий"), ("medium", "средний"), ("low", "низкий")],
                max_length=10,
                verbose_name="risk",
            ),
        ),
        migrations.AlterField(
            model_name="detectionrun",
            name="method",
            field=models.CharField(blank=True, max_length=40, verbose_name="method"),
        ),
        migrations.AddField(
            model_name="detectionrun",
            name="method_version",
            field=models.CharField(blank=True, max_length=20, verbose_name="method version"),
        ),
        migrations.AddField(
            model_name="detectionrun",
            name="parameters",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(risk_words_to_codes, codes_to_risk_words),
    ]
