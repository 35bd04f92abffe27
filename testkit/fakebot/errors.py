"""Error answers of the fake, in the shape the Bot API uses."""

from __future__ import annotations


class ApiError(Exception):
    """An {"ok": false, ...} answer.  Raised anywhere while handling a request."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class InvalidRequest(ApiError):
    """A request the bot should never have made (spec or formatting violation).

    Kept apart from state errors such as "message is not modified" because
    tests assert that ``fake.rejected`` (which collects only these) is empty.
    """

    def __init__(self, description: str) -> None:
        super().__init__(400, f"Bad Request: {description}")


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")
