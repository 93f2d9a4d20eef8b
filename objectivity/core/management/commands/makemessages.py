from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Extract `_l(...)` too (modules needing both gettext and gettext_lazy import the latter as `_l`),
    and never guess translations by fuzzy matching: a new message stays untranslated until someone writes it."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
