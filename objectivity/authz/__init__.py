"""Authorisation below every app: roles and their permissions (`roles`), decisions with their reasons
(`policy`) and the row gate `Model.objects.visible_to(user, permission)` (`scope`). It imports no app of the
project: every app may use it, and the access app (users, memberships and their pages) is only one of them."""
