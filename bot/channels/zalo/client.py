"""A small client of the Zalo Bot Platform API on aiohttp.

The token is part of every URL (`/bot<TOKEN>/<method>`), and aiohttp puts URLs into its exceptions:
no error leaves this module with the URL or the token in it. Zalo may answer `ok: false` with HTTP 200,
so `ok` decides, and the error code in the body wins over the HTTP status.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
REDACTED = "<ZALO_BOT_TOKEN>"


class ZaloError(Exception):
    """Zalo answered `ok: false`: `status` is the error code (400, 401, 403, 404, 408, 429, 5xx)."""

    def __init__(self, method: str, status: int, description: str) -> None:
        super().__init__(f"Zalo {method}: {status} {description}")
        self.method, self.status, self.description = method, status, description


class ZaloNetworkError(Exception):
    """No answer from Zalo (connection refused or dropped, timeout, not JSON)."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"Zalo {method}: {reason}")
        self.method, self.reason = method, reason


class ZaloClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None

    def redact(self, text: str) -> str:
        """The text with the token taken out, for anything that may reach a log."""
        return text.replace(self._token, REDACTED) if self._token else text

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30) -> Any:
        """The `result` of a Zalo method; ZaloError or ZaloNetworkError otherwise."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            async with self._session().post(url, json=params or {},
                                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                status = response.status
                text = await response.text()
        except asyncio.TimeoutError:
            raise ZaloNetworkError(method, "timeout") from None
        except aiohttp.ClientError as exc:  # its message may hold the URL, hence the token
            raise ZaloNetworkError(method, self.redact(f"{type(exc).__name__}: {exc}")) from None
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status >= 500 or status in (408, 429):
                raise ZaloError(method, status, self.redact(text[:200]))
            raise ZaloNetworkError(method, f"HTTP {status}, not a JSON answer")
        if body.get("ok") is True and status < 400:
            return body.get("result")
        code = body.get("error_code") if isinstance(body.get("error_code"), int) else None
        raise ZaloError(method, code or (status if status >= 400 else 400),
                        self.redact(str(body.get("description") or "error")))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
