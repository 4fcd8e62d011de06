"""The test settings, with the URLs of benchmarks/static_page_urls.py."""

from config.settings_test import *  # noqa: F403

ROOT_URLCONF = "static_page_urls"
