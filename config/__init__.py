# Loaded with Django, so `shared_task` and `.delay()` use this app in every process.
from config.celery import app as celery_app

__all__ = ["celery_app"]
