"""Findings store codes and numbers (ADR 0014), the data: stored risk words become codes; back again, codes become
words and reasons stored as codes their text."""

from django.db import migrations

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
        ("detection", "0003_findings_store_codes"),
    ]

    operations = [
        migrations.RunPython(risk_words_to_codes, codes_to_risk_words),
    ]
