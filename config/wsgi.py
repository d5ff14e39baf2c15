import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django.setup(set_prefix=False)

from config.handler import SplitHandler  # noqa: E402 - needs the apps loaded

application = SplitHandler()

# What start-up built (modules, URL patterns, models) lives as long as the process: moved out of the
# collector's sight, a full collection walks only what requests allocate, not the whole framework.
gc.freeze()
