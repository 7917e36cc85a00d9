"""Locking out password guessing: the parts of django-axes this project sets itself.

Axes counts the failed logins of a username from one address (settings.py says how many and
for how long). This module tells it which address a request comes from, adds a limit for an
address over all usernames, and renders the page a locked-out login gets.
"""

from __future__ import annotations

import ipaddress
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def client_ip_address(request: HttpRequest) -> str | None:
    """The address a request came from, as the outermost of our own proxies saw it.

    Each proxy appends the address it was connected from to X-Forwarded-For, so the last
    TRUSTED_PROXY_COUNT entries are written by our proxies and the first of them is the
    client's. Anything before it the client sent itself, to dodge a lockout. Without
    trusted proxies the header is ignored altogether.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",")] if forwarded else []
        # A shorter header did not come through every proxy; the connection's address is
        # then the one nobody can forge.
        if len(entries) >= proxies and _is_ip_address(entries[-proxies]):
            address = entries[-proxies]
    return address if _is_ip_address(address) else None


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a second, larger limit: one address over all usernames.

    Axes compares a single count with a single limit, here the failures of one username from
    one address. Someone who tries a few passwords on each of many usernames stays under it;
    the failures from their address as a whole do not.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        failures: int = super().get_failures(request, credentials)
        limit: int = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
        username_limit: int = settings.AXES_FAILURE_LIMIT
        if limit and failures < username_limit and _failures_from_address(request) >= limit:
            # Axes locks out when this reaches its limit; the address's limit says so.
            return username_limit
        return failures


def _failures_from_address(request: HttpRequest) -> int:
    address = getattr(request, "axes_ip_address", None)
    if address is None:
        return 0
    recent = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a locked-out login gets instead of the login page: how long to wait.

    Every attempt during a lockout starts the cool-off again, so the wait is the whole of it.
    """
    wait = settings.AXES_COOLOFF_TIME
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": math.ceil(wait.total_seconds() / 60)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(math.ceil(wait.total_seconds()))
    add_never_cache_headers(response)
    return response
