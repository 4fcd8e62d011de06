"""Start the demo pipeline (see demo/pipeline.py) until interrupted."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.pipeline import PipelineServer
from demo.seed import demo_pipeline_config_file


class Command(BaseCommand):
    help = (
        "Run the demo forecast pipeline: it accepts the Action button's POST and pushes a "
        "revenue forecast back through the import API."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.DEMO_PIPELINE_PORT)
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to listen on (default 127.0.0.1: the demo is for this machine only).",
        )

    def handle(self, *args, port: int, host: str, **options):
        logging.getLogger("demo.pipeline").setLevel(logging.INFO)
        config_file = demo_pipeline_config_file()
        server = PipelineServer(
            (host, port), base_url=settings.SWITCHBOARD_BASE_URL, config_file=config_file
        )
        self.stdout.write(
            f"Demo pipeline listening on http://{host}:{server.server_port}/ "
            f"(pushes to {settings.SWITCHBOARD_BASE_URL}, key from {config_file} "
            "or DEMO_PIPELINE_API_KEY / DEMO_PIPELINE_CONFIGURATION_ID)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
