from django.db import models

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class Note(models.Model):
    """A note about a school: scoped like every row users see."""

    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    author_name = models.CharField(max_length=100, blank=True)

    scope_paths = ScopePaths(
        region="school__municipality__region", municipality="school__municipality", school="school"
    )
    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.text

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain()
