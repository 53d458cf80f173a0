"""The site's URLs: the pages, sign-in (allauth under /auth/), the API and the admin."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from postguard.api.api import api
from postguard.web.views import (
    accounts,
    archive,
    audit,
    connections,
    devices,
    directory,
    errors,
    home,
    me,
    people,
    policy,
    post_images,
    posts,
    posture,
    publishing_controls,
    resolve,
    schedule,
)

# The admin signs in through allauth, so MFA and the rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


web_patterns = [
    path("", home.dashboard, name="dashboard"),
    path("mfa-required/", home.mfa_required_page, name="mfa_required"),
    path("me/security/", me.security, name="my_security"),
    path("me/sessions/", me.sessions, name="my_sessions"),
    path("me/sessions/<int:pk>/end/", me.end_session, name="end_session"),
    path("me/tokens/", me.tokens, name="my_tokens"),
    path("me/tokens/<int:pk>/revoke/", me.revoke_token, name="revoke_token"),
    path("posture/", posture.posture, name="posture"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/add/", accounts.account_add, name="account_add"),
    path("accounts/preview/", accounts.account_preview, name="account_preview"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account_edit"),
    path("accounts/<int:pk>/rotated/", accounts.account_rotated, name="account_rotated"),
    path(
        "accounts/<int:pk>/connection/",
        connections.connection_page,
        name="account_connection",
    ),
    path(
        "accounts/<int:pk>/connection/disconnect/",
        connections.disconnect_account,
        name="account_disconnect",
    ),
    path("people/", people.people_list, name="people"),
    path("people/add/", people.person_add, name="person_add"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/grant/", people.grant_add, name="grant_add"),
    path("people/<int:pk>/offboard/", people.offboard, name="offboard"),
    path("grants/<int:pk>/revoke/", people.grant_revoke, name="grant_revoke"),
    path("directory/", directory.directory_list, name="directory"),
    path("directory/import/", directory.directory_import, name="directory_import"),
    path("devices/", devices.device_list, name="devices"),
    path("devices/enroll/", devices.device_enroll, name="device_enroll"),
    path("devices/<int:pk>/revoke/", devices.device_revoke, name="device_revoke"),
    path("policy/", policy.index, name="policy"),
    path("policy/propose/", policy.propose, name="policy_propose"),
    path("policy/versions/<int:pk>/", policy.version, name="policy_version"),
    path("policy/versions/<int:pk>/approve/", policy.approve, name="policy_approve"),
    path("policy/versions/<int:pk>/reject/", policy.reject, name="policy_reject"),
    path("posts/", posts.post_list, name="posts"),
    path("posts/new/", posts.compose, name="post_new"),
    path("posts/preview/", posts.preview, name="post_preview"),
    path("posts/<int:pk>/", posts.detail, name="post"),
    path("posts/<int:pk>/edit/", posts.edit, name="post_edit"),
    path("posts/<int:pk>/diff/", posts.diff, name="post_diff"),
    path(
        "posts/<int:pk>/images/<str:sha256>/",
        post_images.post_image,
        name="post_image",
    ),
    path("posts/<int:pk>/submit/", posts.submit, name="post_submit"),
    path("posts/<int:pk>/approve/", posts.approve, name="post_approve"),
    path("posts/<int:pk>/changes/", posts.request_changes, name="post_changes"),
    path("posts/<int:pk>/override/", posts.override, name="post_override"),
    path("posts/<int:pk>/comment/", posts.comment, name="post_comment"),
    path("posts/<int:pk>/withdraw/", posts.withdraw, name="post_withdraw"),
    path("posts/<int:pk>/schedule/", posts.schedule, name="post_schedule"),
    path("schedule/", schedule.schedule, name="schedule"),
    path("archive/", archive.archive_list, name="archive"),
    path("archive/export/", archive.archive_export, name="archive_export"),
    path("archive/<int:pk>/", archive.archive_detail, name="archive_post"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.jsonl", audit.audit_export, name="audit_export"),
    path("publishing/", publishing_controls.controls, name="publishing"),
    path("publishing/pause/", publishing_controls.pause_organization, name="pause_organization"),
    path(
        "publishing/pauses/<int:pk>/resume/", publishing_controls.resume_pause, name="pause_resume"
    ),
    path("publishing/alerts/", publishing_controls.alerts, name="integrity_alerts"),
    path("deliveries/<int:pk>/resolve/", resolve.resolve_delivery, name="delivery_resolve"),
    path(
        "publishing/alerts/<int:pk>/acknowledge/",
        publishing_controls.acknowledge_alert,
        name="alert_acknowledge",
    ),
    path("accounts/<int:pk>/pause/", publishing_controls.pause_account, name="account_pause"),
]

urlpatterns = [
    path("", include((web_patterns, "web"))),
    path("auth/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
