"""An import's outcome in a few Russian lines, for the command line and the job page."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.results.normalise import unknown_code_lines
from objectivity.results.quality import reason_label


def outcome_lines(outcome: dict) -> list[str]:
    head = f"{outcome['file']}: "
    if outcome["status"] == "rejected":
        return [head + _("not imported.") + " " + outcome["message"]]
    if outcome["status"] == "unchanged":
        return [head + outcome["message"]]
    s = outcome["summary"]
    lines = [
        head + _("imported as “%(work)s”.") % {"work": outcome["assessment"]},
        "  " + _("rows: %(rows)d; present: %(present)d; absent: %(absent)d") % s,
        "  "
        + ngettext(
            "schools: %(schools)d, found in the registry: %(schools_matched)d",
            "schools: %(schools)d, found in the registry: %(schools_matched)d",
            s["schools"],
        )
        % s,
    ]
    if s["unknown_schools"]:
        logins = ", ".join(u["school_login"] for u in s["unknown_schools"][:10])
        lines.append("  " + _("not in the registry (rows kept, not in statistics): %(logins)s") % {"logins": logins})
    lines += [
        "  " + _("excluded from statistics: %(reason)s — %(n)d") % {"reason": reason_label(code), "n": n}
        for code, n in s["excluded_by_reason"].items()
    ]
    lines += [
        "  " + _("warning: %(reason)s — %(n)d") % {"reason": reason_label(code), "n": n}
        for code, n in s["warnings_by_reason"].items()
    ]
    lines += ["  " + line for line in unknown_code_lines(s.get("unknown_codes", []))]
    return lines
