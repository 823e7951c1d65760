"""Registers every model on the intranet site (``intranet.sites.site``)."""

from . import admin_tasks  # noqa: F401
from .sites import site

__all__ = ["site"]
