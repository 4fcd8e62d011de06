"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS.

Works on the stored tokens directly (raw SQL in, raw SQL out): plaintext exists only inside
Fernet's rotate, never in a model instance, a signal or a log line. All rows or none: one value
no configured key can open stops the command and rolls everything back.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from integrations.encrypted_fields import DecryptionError, StrictEncryptedTextField, rotate

PAGE_SIZE = 1000


def _encrypted_models() -> list[tuple[type[models.Model], list[StrictEncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, StrictEncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        quote = connection.ops.quote_name
        with transaction.atomic():
            for model, fields in _encrypted_models():
                table = quote(model._meta.db_table)
                pk = quote(model._meta.pk.column)
                columns = [quote(field.column) for field in fields]
                rows, values = 0, 0
                last_pk = None
                with connection.cursor() as cursor:
                    # In pages by primary key: the delivery log can hold millions of excerpts.
                    # Fetching a page first keeps the cursor free for its updates.
                    while stored := self._page(cursor, table, pk, columns, last_pk):
                        for row_pk, *tokens in stored:
                            rotated = [self._rotate(model, row_pk, t) for t in tokens]
                            assignments = ", ".join(f"{column} = %s" for column in columns)
                            cursor.execute(
                                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                                [*rotated, row_pk],
                            )
                            rows += 1
                            values += sum(token is not None for token in tokens)
                        last_pk = stored[-1][0]
                self.stdout.write(
                    f"{model._meta.label}: re-encrypted {values} values in {rows} rows."
                )
        self.stdout.write(self.style.SUCCESS("Every encrypted value now uses the first key."))

    @staticmethod
    def _page(cursor, table: str, pk: str, columns: list[str], after: object) -> list[tuple]:
        select = f"SELECT {pk}, {', '.join(columns)} FROM {table}"  # noqa: S608
        if after is None:
            cursor.execute(f"{select} ORDER BY {pk} LIMIT {PAGE_SIZE}")
        else:
            cursor.execute(f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT {PAGE_SIZE}", [after])
        return cursor.fetchall()

    @staticmethod
    def _rotate(model: type[models.Model], row_pk: object, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return rotate(token)
        except DecryptionError:
            raise CommandError(
                f"{model._meta.label} row {row_pk} holds a value no key in "
                "FIELD_ENCRYPTION_KEYS can decrypt; nothing was changed. Add the old key "
                "to the list and run this again."
            ) from None
