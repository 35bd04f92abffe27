"""The frame of every desk and dashboard page, and the headers every answer under /desk and
/dashboard carries. The server writes only the frame; the scripts fill it with data through
textContent, never innerHTML, so a name like `Lê <Văn> & Co` is shown, not parsed."""
from __future__ import annotations

from html import escape

from aiohttp import web

from bot.web.texts import DEFAULT_LANGUAGE, text

STATIC = "/desk/static"
PREFIXES = ("/desk", "/dashboard")

# scripts and styles only from our own files (jsQR is vendored, no CDN); the camera's frames are blobs
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
          "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    if request.path.startswith(PREFIXES):
        response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # the login link carries its token in the URL: no other site may see it as a referrer
        # ("no-referrer" would also make the browser send "Origin: null" on our own login form)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(STATIC):
            response.headers.setdefault("Cache-Control", "no-store")
    return response


def t(key: str, **values: str) -> str:
    """A page text in the default language, escaped, with its key for the language switch."""
    value = text(key)
    for name, filler in values.items():
        value = value.replace("{" + name + "}", filler)
    return f'<span data-t="{escape(key)}">{escape(value)}</span>'


def page(title_key: str, body: str, *, scripts: tuple[str, ...] = (), csrf: str = "", status: int = 200,
         kind: str = "desk") -> web.Response:
    tags = "".join(f'<script src="{STATIC}/{escape(name)}" defer></script>' for name in ("common.js", *scripts))
    html = f"""<!doctype html>
<html lang="{DEFAULT_LANGUAGE}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{escape(csrf)}">
<link rel="icon" href="data:,">
<title>{escape(text(title_key))}</title>
<link rel="stylesheet" href="{STATIC}/style.css">
<script src="/desk/texts.js" defer></script>
{tags}
</head>
<body class="{escape(kind)}">
{body}
</body>
</html>
"""
    return web.Response(text=html, content_type="text/html", status=status)


def message_page(title_key: str, message_key: str, *, status: int, kind: str = "desk", extra: str = "") -> web.Response:
    """A page that only says something: log in first, the link was used, organizers only."""
    body = f"""<main class="notice" id="notice">
<h1>{t(title_key)}</h1>
<p>{t(message_key)}</p>
{extra}
<p><button type="button" class="lang" id="lang">{t("lang_switch")}</button></p>
</main>"""
    return page(title_key, body, status=status, kind=kind)
