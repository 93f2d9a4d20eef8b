"""Authorisation below every app: roles and their permissions (`roles`), decisions with their reasons
(`policy`) and the row gate `Model.objects.visible_to(user, permission)` (`scope`), by memberships and by
assignments. It imports no app of the project: every app may use it, and the access app (users, memberships,
assignments and their pages) is only one of them."""
