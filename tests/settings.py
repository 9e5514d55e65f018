"""Settings for the test suite: the project's settings with test-only defaults.

Only defaults are set here; DATABASE_URL and REDIS_URL from the environment still choose
PostgreSQL and Redis, which is how CI runs the suite on the real services.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from claimdesk.settings import *  # noqa: F403

# Hashing passwords at full strength would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Unit tests run tasks in-process; the integration tests start a real worker on Redis instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
