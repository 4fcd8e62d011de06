"""The app's URLs plus two pages answered from memory, for the board benchmark's server
(benchmarks/board_render.py) to serve beside the boards it measures:

  /bench-static/<name>/      the page as it is: it goes through every middleware the board page
                             does, but reads no session and renders nothing
  /bench-signed-in/<name>/   the same, for a signed-in user only: the session and the user are
                             read, as every signed-in page must, and nothing else

The pages are files in BENCH_STATIC_DIR, read once.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from workspace.decorators import signed_in


@cache
def _page(name: str) -> bytes:
    return (Path(os.environ["BENCH_STATIC_DIR"]) / f"{name}.html").read_bytes()


def static_page(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(_page(name))


@signed_in
def signed_in_page(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(_page(name))


urlpatterns = [
    path("bench-static/<slug:name>/", static_page),
    path("bench-signed-in/<slug:name>/", signed_in_page),
    path("", include("config.urls")),
]
