"""Errors that carry their HTTP status: raised anywhere, rendered by the app.

`KefuError(message, status_code)` is the one error type business code raises for expected
outcomes (403/404/409/400...). The app turns it into `{"error": {"code", "message"}}` with the
message in the request's language: the message is a catalog id (English, `{name}`
placeholders filled from `params`), or a legacy "中文 / English" pair. See
scripts/i18n/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

# Renders a message id in the current request's language; installed by the app
# (kefu.kit.i18n.error_text). This module imports nothing from kefu, hence the hook.
LOCALIZER: Callable[[str, Mapping[str, object] | None], str] | None = None


class KefuError(Exception):
    """An expected failure with the status a client should see."""

    status_code: int = 400
    code: str = "bad_request"
    retry_after: int | None = None  # seconds, sent as Retry-After (429, 503)

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ):
        super().__init__(message)
        self.template = message
        self.params = dict(params or {})
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The message for whoever is being answered (request language; as written elsewhere)."""
        if LOCALIZER is not None:
            return LOCALIZER(self.template, self.params)
        if self.params:
            try:
                return self.template.format(**self.params)
            except (KeyError, IndexError, ValueError):
                return self.template
        return self.template


class BadRequest(KefuError):
    status_code = 400
    code = "bad_request"


class Unauthorized(KefuError):
    status_code = 401
    code = "unauthorized"


class Forbidden(KefuError):
    status_code = 403
    code = "forbidden"


class NotFound(KefuError):
    status_code = 404
    code = "not_found"


class Conflict(KefuError):
    status_code = 409
    code = "conflict"


class Unprocessable(KefuError):
    status_code = 422
    code = "validation_error"


class TooManyRequests(KefuError):
    status_code = 429
    code = "rate_limited"


class Overloaded(KefuError):
    """The process had no database connection for this request in time; nothing was done."""

    status_code = 503
    code = "overloaded"
    retry_after = 1


def overloaded(_reason: str) -> KefuError:
    """kit.db's `refused`: what a unit refused by admission (kit.admission) raises."""
    return Overloaded("服务繁忙，请稍后重试 / the server is busy, retry shortly")
