"""Navigation shown to each user: only the sections their roles open (registered by the apps)."""

from objectivity.authz.roles import role_label
from objectivity.core.navigation import FOOTER_LINKS, sections_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.must_change_password:
        return {"nav": []}
    roles = sorted({role_label(m.role) for m in user.active_memberships()})
    return {"nav": sections_for(user), "footer_links": sections_for(user, FOOTER_LINKS), "user_roles": roles}
