from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Also extract `_l(...)`: modules that need both gettext and gettext_lazy import the latter as `_l`."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
