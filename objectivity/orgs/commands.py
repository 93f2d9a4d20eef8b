"""What the console commands say about regions: which one to use, and what to do on an empty database."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from objectivity.orgs.models import Region, School


def first_steps() -> str:
    """The commands that prepare an empty database, in the order to run them."""
    return _(
        "First create the region and its administrator, then load the registry of schools:\n"
        '  objectivity create-region 22 "Алтайский край" --admin LOGIN\n'
        "  objectivity import-registry REGISTRY.xlsx --region 22\n"
        "(22 is the region's code in school logins such as sch220206). To try the system on the demo region "
        "instead: objectivity load-demo"
    )


def region_option(code: str) -> Region:
    """The region given by --region, or the only one there is; a Russian explanation otherwise."""
    if not Region.objects.exists():
        raise CommandError(_("The database has no region yet.") + "\n" + first_steps())
    regions = Region.objects.filter(code=code) if code else Region.objects.all()
    if regions.count() == 1:
        return regions.get()
    codes = ", ".join(f"{r.code} ({r.name})" for r in Region.objects.all())
    if code:
        raise CommandError(
            _("Region with code %(code)s is not found") % {"code": code}
            + ". "
            + _(
                'Regions in the database: %(codes)s. A new region is created by objectivity create-region %(code)s "NAME" --admin LOGIN'
            )
            % {"code": code, "codes": codes}
        )
    raise CommandError(_("Say which region with --region (codes: %(codes)s)") % {"codes": codes})


def registry_warning(region: Region) -> str:
    """A warning when the region's registry is empty: imported rows would not count anywhere."""
    if School.objects.filter(municipality__region=region).exists():
        return ""
    return _(
        "The registry of region %(code)s has no schools: the rows are kept, but no school counts in statistics "
        "until it is in the registry. Load it: objectivity import-registry REGISTRY.xlsx --region %(code)s"
    ) % {"code": region.code}
