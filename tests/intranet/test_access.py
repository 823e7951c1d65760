"""The intranet's access helpers: the object for who may see it, a 404 for anyone else."""

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404

from intranet.access import task_for_staff_user
from tests import factories

pytestmark = pytest.mark.django_db


def test_task_page_helper_404s_for_who_may_not_see(client_a, client_a_user, other_staff, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])

    assert task_for_staff_user(carol, task.pk) == task
    for user in (other_staff, client_a_user):
        with pytest.raises(Http404):
            task_for_staff_user(user, task.pk)
    with pytest.raises(Http404):
        task_for_staff_user(carol, task.pk + 1000)

    other_staff.user_permissions.add(Permission.objects.get(codename="view_task"))
    other_staff = type(other_staff).objects.get(pk=other_staff.pk)
    assert task_for_staff_user(other_staff, task.pk) == task
    with pytest.raises(Http404):
        task_for_staff_user(other_staff, "abc")
