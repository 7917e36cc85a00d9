from __future__ import annotations

import auditlog.middleware
from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from kalliola.lockout import client_ip_address


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The interface speaks Finnish unless the person chose another language.

    The choice is the language switcher's cookie. The browser's Accept-Language is not used:
    Kalliola works in Finnish, and a phone set up in English should not silently turn the
    app English for someone who expects the organisation's language; one click switches.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """The audit history records the client's address as the login lockout sees it: from
    X-Forwarded-For only as far as TRUSTED_PROXY_COUNT trusts it. django-auditlog's own takes
    the header's first entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None  # a port from a header the client wrote says nothing
