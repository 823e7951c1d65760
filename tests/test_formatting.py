"""How a person is named: one function for pages and e-mails, and its template filter."""

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from modulr.formatting import user_display_name


@pytest.mark.parametrize(
    ("first_name", "last_name", "email", "username", "expected"),
    [
        ("Alice", "Martin", "alice@cabinet.fr", "alice", "Alice Martin"),
        ("", "", "alice@cabinet.fr", "alice", "alice@cabinet.fr"),
        ("", "", "", "alice", "alice"),
    ],
)
def test_user_display_name(first_name, last_name, email, username, expected):
    user = get_user_model()(
        first_name=first_name, last_name=last_name, email=email, username=username
    )
    assert user_display_name(user) == expected


def test_display_name_filter_names_the_user_and_leaves_no_user_to_default():
    page = Template("{% load intranet_tags %}{{ a|display_name }}|{{ b|display_name|default:'—' }}")
    user = get_user_model()(first_name="Bob", email="bob@cabinet.fr", username="bob")
    assert page.render(Context({"a": user, "b": None})) == "Bob|—"
