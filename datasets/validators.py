"""Rules for names people type: shared by the forms (errors per row) and the services (the rule)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

COLUMN_NAME_MAX_LENGTH = 100
# A column name is matched against a CSV header cell. Commas, quotes and line breaks would need
# quoting there, which hand-written and spreadsheet-exported CSV files get wrong; control
# characters cannot be typed into a header at all.
_NOT_IN_A_COLUMN_NAME = re.compile(r'[,"\x00-\x1f\x7f]')


def validate_column_name(value: str) -> None:
    name = value.strip()
    if not name:
        raise ValidationError("Enter a column name.", code="required")
    if len(name) > COLUMN_NAME_MAX_LENGTH:
        raise ValidationError(
            "Keep column names to %(limit)d characters (this one has %(length)d).",
            code="max_length",
            params={"limit": COLUMN_NAME_MAX_LENGTH, "length": len(name)},
        )
    if _NOT_IN_A_COLUMN_NAME.search(name):
        raise ValidationError(
            "A column name cannot contain commas, double quotes, line breaks or tabs: it must "
            "be usable as-is in a CSV file's first line.",
            code="invalid",
        )


def column_set_errors(columns: list[tuple[int, str]]) -> list[str]:
    """Problems with a dataset's columns taken together; `columns` is [(row number, name), …].

    Names must differ ignoring case and outer spaces, because that is how an imported CSV's
    header cells are matched to them.
    """
    if not columns:
        return ["Add at least one column."]
    errors: list[str] = []
    seen: dict[str, str] = {}
    for number, raw_name in columns:
        name = raw_name.strip()
        folded = name.casefold()
        if folded and folded in seen:
            errors.append(
                f"Column {number} “{name}”: another column is already named “{seen[folded]}”; "
                "column names must differ, ignoring case, as CSV headers are matched that way."
            )
        seen.setdefault(folded, name)
    return errors
