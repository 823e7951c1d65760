"""Template filters of the intranet's pages: ``{% load intranet_tags %}``.

Each filter calls the one function that holds its rule (``modulr.formatting``), so a page
and an e-mail name a person the same way.
"""

from django import template

from modulr.formatting import user_display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    """``{{ task.decided_by|display_name }}``: '' for no user, so ``default`` still works."""
    return user_display_name(user) if user else ""
