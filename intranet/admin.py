"""Registers every model on the intranet site (``intranet.sites.site``).

Each ``admin_*`` module registers its ModelAdmins on import.
"""

from . import admin_attestations, admin_contracts, admin_documents, admin_tasks  # noqa: F401
from .sites import site

__all__ = ["site"]
