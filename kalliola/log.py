"""Error reports by mail that never take the failed request down with them."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.log import AdminEmailHandler

logger = logging.getLogger(__name__)


class ErrorMailHandler(AdminEmailHandler):
    """Mails an error report to ADMINS; if the mail cannot be sent, says so in the log.

    With MAILERS configured, Django's own handler no longer sends quietly: a mail server that
    refuses or times out raised out of the logging call that reports the error, and the
    request's 500 page was never sent.
    """

    def send_mail(self, subject: Any, message: Any, *args: Any, **kwargs: Any) -> None:
        try:
            super().send_mail(subject, message, *args, **kwargs)
        except Exception:
            logger.warning("Could not mail the error report: %s", subject, exc_info=True)
