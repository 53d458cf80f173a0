"""Invitations: a person the lead adds chooses their own password through a one-time link.

The link is allauth's password-reset link (it stops working once the password is set, and after
PASSWORD_RESET_TIMEOUT). It is a secret: it goes only into the mail to the person, never into a
page, an API answer, a log or the audit log.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.urls import reverse

from postguard.audit.log import record
from postguard.core.models import User
from postguard.policy.versions import active_policy


def invite(request: HttpRequest, user: User) -> bool:
    """Mail `user` a link to choose a password; False when no mail server is configured."""
    if not settings.MAIL_CONFIGURED:
        return False
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    link = request.build_absolute_uri(path.replace("UID-KEY", key))
    policy = active_policy()
    organization = policy.organization if policy else "your organization"
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    send_mail(
        subject=f"You have been added to Postguard for {organization}",
        message=(
            f"Hello {user},\n\n"
            f"You have been added to {organization}'s social media team in Postguard.\n"
            f"Choose your password here (the link works once, for {days} days):\n\n"
            f"{link}\n\n"
            "Then sign in and set up two-factor authentication if your role asks for it.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    record("registry.person.invite", actor=request.user, obj=user, request=request)
    return True
