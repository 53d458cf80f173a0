"""The user model. People sign in with their work email; roles live in the registry's grants."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class PostguardUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractUser):
    email = models.EmailField("work email", unique=True)
    display_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["username"]

    objects: ClassVar[PostguardUserManager] = PostguardUserManager()

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.email
