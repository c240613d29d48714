"""Turn exceptions from the OpenAI client, httpx and langgraph into clear, key-free ErrorEvents."""

from __future__ import annotations

from dataclasses import dataclass

from coach.config import Settings
from coach.engine.sanitize import redact, strip_control
from coach.events import ErrorEvent

SERVER_DETAIL_CHARS = 200


@dataclass(frozen=True)
class Failure:
    event: ErrorEvent
    retry_now: bool = False  # worth retrying automatically (nothing shown yet)
    retry_after: float | None = None  # seconds the server asked us to wait


def _server(settings: Settings) -> str:
    return settings.base_url or "api.openai.com"


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            from datetime import UTC, datetime

            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _detail(exc: BaseException, settings: Settings) -> str:
    """A short, safe excerpt of what the server said (no key, no escape sequences)."""
    body = getattr(exc, "body", None)
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error") or "")
    if not message:
        message = str(getattr(exc, "message", "") or exc)
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    text = " ".join(strip_control(redact(message, (key,))).split())
    return text[:SERVER_DETAIL_CHARS].rstrip(" .") or "no details"


def classify(exc: BaseException, settings: Settings) -> Failure:
    import httpx
    import openai

    server = _server(settings)
    model = settings.llm_model or "(no model set)"
    if isinstance(exc, openai.AuthenticationError):
        # The server's text for a 401 often echoes a masked key: leave it out entirely.
        return Failure(
            ErrorEvent(
                f"The server at {server} refused the API key (401). Check OPENAI_API_KEY "
                "(or api_key in the config file). Your message is kept; send it again after fixing the key.",
                kind="auth",
            )
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return Failure(
            ErrorEvent(
                f"The server at {server} denied access (403): {_detail(exc, settings)}. "
                "Check the key's permissions.",
                kind="auth",
            )
        )
    if isinstance(exc, openai.NotFoundError):
        return Failure(
            ErrorEvent(
                f"Model {model!r} was not found at {server} (404). Set COACH_MODEL to a model the server "
                "offers (for Ollama: `ollama list`), or check OPENAI_BASE_URL ends in /v1.",
                kind="not_found",
            )
        )
    if isinstance(exc, openai.RateLimitError):
        wait = _retry_after(exc)
        when = f" Try again in {wait:.0f} s." if wait is not None else " Try again in a moment."
        return Failure(
            ErrorEvent(
                f"The server at {server} is rate-limiting requests (429): {_detail(exc, settings)}.{when}",
                kind="rate_limit",
                retryable=True,
            ),
            retry_now=True,
            retry_after=wait,
        )
    if isinstance(exc, openai.InternalServerError) or (
        isinstance(exc, openai.APIStatusError) and exc.status_code >= 500
    ):
        status = getattr(exc, "status_code", 500)
        return Failure(
            ErrorEvent(
                f"The server at {server} had an error ({status}): {_detail(exc, settings)}. "
                "Your message is kept; try again.",
                kind="server",
                retryable=True,
            ),
            retry_now=True,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return Failure(
            ErrorEvent(
                f"The server at {server} did not answer within {settings.request_timeout:.0f} s. "
                "Your message is kept; try again (or raise COACH_REQUEST_TIMEOUT).",
                kind="timeout",
                retryable=True,
            ),
            retry_now=True,
        )
    if isinstance(exc, openai.APIConnectionError | httpx.ConnectError):
        cause = exc.__cause__ or exc
        return Failure(
            ErrorEvent(
                f"Could not connect to {server} ({type(cause).__name__}). Is the server running? "
                "Your message is kept; try again.",
                kind="connection",
                retryable=True,
            ),
            retry_now=True,
        )
    if isinstance(exc, httpx.TransportError):  # stream cut mid-reply (RemoteProtocolError, ReadError...)
        return Failure(
            ErrorEvent(
                f"The connection to {server} was cut ({type(exc).__name__}). "
                "Your message is kept; try again.",
                kind="connection",
                retryable=True,
            ),
            retry_now=True,
        )
    if isinstance(exc, openai.BadRequestError):
        return Failure(
            ErrorEvent(
                f"The server at {server} rejected the request (400): {_detail(exc, settings)}.",
                kind="other",
            )
        )
    if isinstance(exc, openai.APIStatusError):
        return Failure(
            ErrorEvent(
                f"The server at {server} answered {exc.status_code}: {_detail(exc, settings)}.",
                kind="other",
            )
        )
    from langgraph.errors import GraphRecursionError

    if isinstance(exc, GraphRecursionError):
        return Failure(
            ErrorEvent(
                "The model kept calling tools without answering, so the turn was stopped. "
                "Your message is kept; try rephrasing it.",
                kind="tool",
                retryable=True,
            )
        )
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    text = strip_control(redact(f"{type(exc).__name__}: {exc}", (key,)))[:SERVER_DETAIL_CHARS]
    return Failure(ErrorEvent(f"Unexpected error while talking to the model: {text}", kind="other"))
