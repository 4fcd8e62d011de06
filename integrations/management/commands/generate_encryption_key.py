from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new key for FIELD_ENCRYPTION_KEYS. To rotate, put it first in the list, keep "
        "the old keys after it, then run rotate_encryption_keys."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(Fernet.generate_key().decode("ascii"))
