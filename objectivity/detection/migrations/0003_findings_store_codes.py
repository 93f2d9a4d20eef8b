"""Findings store codes and numbers (ADR 0014), the schema: the reasons of earlier runs become legacy text (shown as
they are), a JSON list takes their place, the risk gets its code choices, runs record their method version and
every parameter. The data follows in 0004 (PostgreSQL cannot alter a table with pending updates in one
transaction)."""

from django.db import migrations, models


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
    ]
