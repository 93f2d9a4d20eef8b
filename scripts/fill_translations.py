"""Fill untranslated entries of the Russian catalogue from a JSON file {msgid: msgstr or [plural forms]}.

Usage: .venv/bin/python scripts/fill_translations.py translations.json   (then `make messages`)
Fuzzy entries lose their flag; those named in the file get the new text.
"""

import json
import sys

import polib

po = polib.pofile("objectivity/locale/ru/LC_MESSAGES/django.po")
with open(sys.argv[1], encoding="utf-8") as source:
    tr = json.load(source)
missing = []
for e in po:
    if "fuzzy" in e.flags:
        e.flags.remove("fuzzy")
        e.previous_msgid = None
        if e.msgid in tr:
            e.msgstr = ""
            e.msgstr_plural = {k: "" for k in e.msgstr_plural}
    if e.msgid_plural:
        if any(e.msgstr_plural.values()):
            continue
        v = tr.get(e.msgid)
        if not v:
            missing.append(e.msgid)
            continue
        e.msgstr_plural = {i: s for i, s in enumerate(v)}
    else:
        if e.msgstr:
            continue
        v = tr.get(e.msgid)
        if not v:
            missing.append(e.msgid)
            continue
        e.msgstr = v
po.metadata["Language"] = "ru"
po.metadata["Project-Id-Version"] = "objectivity"
po.metadata_is_fuzzy = False
po.save()
print("missing:", len(missing))
[print(" ", m) for m in missing]
