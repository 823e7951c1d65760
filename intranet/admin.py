"""Registers every model on the intranet site (``intranet.sites.site``).

Each ``admin_*`` module registers its ModelAdmins on import; the imports below keep the
order of registration (cabinet and accounts, products, contracts, then the rest).
"""

# isort: off
from . import admin_accounts, admin_products, admin_contracts  # noqa: F401
from . import admin_attestation_requests, admin_attestations, admin_documents, admin_tasks  # noqa: F401

# isort: on
from .sites import site

__all__ = ["site"]
