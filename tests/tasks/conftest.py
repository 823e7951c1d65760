import pytest
from django.contrib.auth.models import Group


@pytest.fixture
def carol(carol):
    """Here Carol gets tasks only through the « Gestion » group."""
    carol.groups.add(Group.objects.create(name="Gestion"))
    return carol
