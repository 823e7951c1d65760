"""The Celery application. Jobs live in ``<app>/jobs.py`` (``tasks`` is our workflow app)
and are discovered there; with no broker configured they run in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modulr.settings")

app = Celery("modulr")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Jobs live in <app>/jobs.py (``tasks`` is the name of our workflow app).
app.autodiscover_tasks(related_name="jobs")
# The attestation workflow is a package of the documents app: its jobs too.
app.autodiscover_tasks(["documents.attestations"], related_name="jobs")
