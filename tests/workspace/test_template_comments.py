"""A `{# … #}` comment must open and close on one line: Django prints a multi-line one onto the
page as text. Longer comments use {% comment %}."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _unclosed_comments(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.count("{#") != line.count("#}")
    ]


def test_no_template_has_a_comment_spanning_lines():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number in _unclosed_comments(path.read_text())
    ]
    assert not offenders, offenders


def test_the_check_sees_a_comment_spanning_lines():
    assert _unclosed_comments("<p>\n{# starts here\n   ends here #}\n{# fine #}") == [2, 3]
