"""Imports travel on a queue of their own, so workers of their own can take them; a worker
started without --queues takes both kinds of work."""

from django.conf import settings

from config.celery import app


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name, (), {})["queue"].name


def test_imports_go_to_their_own_queue_and_sends_to_the_default_one():
    assert _queue_of("datasets.tasks.import_job_run_task") == settings.CELERY_IMPORT_QUEUE
    assert _queue_of("integrations.tasks.delivery_send_task") == settings.CELERY_TASK_DEFAULT_QUEUE
    assert _queue_of("datasets.tasks.import_jobs_sweep_task") == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_IMPORT_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE


def test_a_worker_started_without_queues_consumes_both():
    consumed = set(app.amqp.queues.consume_from or app.amqp.queues)
    assert consumed == {settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_IMPORT_QUEUE}
