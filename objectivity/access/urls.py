from django.contrib.auth import views as auth_views
from django.urls import path

from objectivity.access import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/change/", views.password_change, name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="access/password_reset_done.html"),
        name="password-reset-done",
    ),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/school-accounts/", views.school_accounts, name="school-accounts"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user-reset-password"),
    path("users/<int:pk>/toggle-active/", views.user_toggle_active, name="user-toggle-active"),
    path("users/<int:pk>/add-role/", views.membership_add, name="membership-add"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership-remove"),
]
