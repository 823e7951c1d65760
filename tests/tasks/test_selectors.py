import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from tasks.models import Task, TaskType, Trigger
from tasks.selectors import (
    task_can_decide,
    task_get_for_staff,
    task_template_errors,
    task_templates_applicable,
    tasks_for_user,
)
from tests import factories

ATTESTATION = Trigger.EXTRANET_ATTESTATION_REQUEST


@pytest.fixture
def flotte(db):
    return factories.ProductFactory(name="Flotte automobile")


def test_applicable_templates_are_the_active_ones_of_the_trigger_and_product(flotte):
    rc_pro = factories.ProductFactory(name="RC Pro")
    for_all = factories.TaskTemplateFactory(subject="Tous produits")
    for_flotte = factories.TaskTemplateFactory(subject="Flotte", products=[flotte, rc_pro])
    factories.TaskTemplateFactory(subject="Inactif", is_active=False)
    factories.TaskTemplateFactory(subject="Manuel", trigger=Trigger.MANUAL)
    factories.TaskTemplateFactory(subject="Autre produit", products=[rc_pro])

    applicable = task_templates_applicable(trigger=ATTESTATION, product=flotte)

    assert list(applicable) == [for_all, for_flotte]


def test_applicable_templates_narrow_to_types(flotte):
    validation = factories.TaskTemplateFactory()
    factories.TaskTemplateFactory(type=TaskType.NOTIFICATION)

    applicable = task_templates_applicable(
        trigger=ATTESTATION, product=flotte, types={TaskType.VALIDATION_EXTRANET}
    )

    assert list(applicable) == [validation]


def test_template_needs_a_recipient_and_extranet_validation_needs_an_extranet_trigger():
    errors = task_template_errors(
        type=TaskType.VALIDATION_EXTRANET, trigger=Trigger.MANUAL, has_recipients=False
    )
    assert set(errors) == {"recipient_users", "trigger"}
    assert "au moins un destinataire" in errors["recipient_users"]
    assert not task_template_errors(
        type=TaskType.VALIDATION_EXTRANET, trigger=ATTESTATION, has_recipients=True
    )
    assert not task_template_errors(
        type=TaskType.ACTION, trigger=Trigger.MANUAL, has_recipients=True
    )


def test_inbox_has_tasks_named_through_group_or_as_manager_and_no_others(
    client_a, other_staff, carol
):
    gestion = Group.objects.get(name="Gestion")
    named = factories.TaskFactory(client=client_a, recipient_users=[other_staff])
    via_group = factories.TaskFactory(client=client_a, recipient_groups=[gestion])
    as_manager = factories.TaskFactory(client=client_a, account_manager=other_staff)
    # Named *and* through a group: still one row.
    other_staff.groups.add(gestion)
    factories.TaskFactory(client=client_a, recipient_users=[carol])  # someone else's

    bob_tasks = list(tasks_for_user(user=other_staff))
    carol_tasks = list(tasks_for_user(user=carol))

    assert sorted(t.pk for t in bob_tasks) == sorted([named.pk, via_group.pk, as_manager.pk])
    assert via_group in carol_tasks and named not in carol_tasks and len(carol_tasks) == 2


def test_inbox_is_priority_first_then_by_due_date_and_marks_overdue(client_a, other_staff):
    today = factories.today()

    def task(subject, days, priority=False, **kwargs):
        return factories.TaskFactory(
            client=client_a,
            subject=subject,
            due_date=today + datetime.timedelta(days=days),
            is_priority=priority,
            recipient_users=[other_staff],
            **kwargs,
        )

    task("later", 5)
    task("overdue", -1)
    task("urgent later", 3, priority=True)
    task("urgent sooner", 1, priority=True)
    task(
        "decided late",
        -3,
        status=Task.Status.DONE,
        decided_at=timezone.now(),
    )

    inbox = list(tasks_for_user(user=other_staff))

    assert [t.subject for t in inbox] == [
        "urgent sooner",
        "urgent later",
        "decided late",
        "overdue",
        "later",
    ]
    # A decided task is never late, whatever its due date.
    assert {t.subject for t in inbox if t.is_overdue} == {"overdue"}
    assert [t.subject for t in tasks_for_user(user=other_staff, status=Task.Status.DONE)] == [
        "decided late"
    ]


def test_extranet_and_inactive_users_have_no_inbox(client_a, client_a_user, other_staff):
    factories.TaskFactory(client=client_a, recipient_users=[client_a_user, other_staff])
    other_staff.is_active = False

    assert not tasks_for_user(user=client_a_user).exists()
    assert not tasks_for_user(user=other_staff).exists()


def test_only_recipients_or_the_permission_decide(client_a, superuser, other_staff, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    outsider = factories.StaffFactory(is_superuser=False)

    assert task_can_decide(task=task, user=carol)
    assert not task_can_decide(task=task, user=other_staff)
    assert not task_can_decide(task=task, user=outsider)
    assert task_can_decide(task=task, user=superuser)  # superuser: every permission

    outsider.user_permissions.add(Permission.objects.get(codename="decide_any_task"))
    outsider = type(outsider).objects.get(pk=outsider.pk)  # fresh permission cache
    assert task_can_decide(task=task, user=outsider)


def test_a_task_is_seen_by_its_recipients_and_staff_who_may_view_every_task(
    client_a, client_a_user, other_staff, carol
):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])

    assert task_get_for_staff(user=carol, pk=task.pk) == task
    for user in (other_staff, client_a_user):
        assert task_get_for_staff(user=user, pk=task.pk) is None
    assert task_get_for_staff(user=carol, pk=task.pk + 1000) is None

    other_staff.user_permissions.add(Permission.objects.get(codename="view_task"))
    other_staff = type(other_staff).objects.get(pk=other_staff.pk)
    assert task_get_for_staff(user=other_staff, pk=task.pk) == task
