import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django.setup(set_prefix=False)

from config.handler import SplitHandler  # noqa: E402 - needs the apps loaded

application = SplitHandler()
