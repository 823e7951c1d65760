import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from tasks.models import Task, TaskType, Trigger
from tasks.services import (
    task_cancel,
    task_decide,
    task_recipients_notify,
    tasks_create_for_trigger,
)
from tests import factories
from tests.helpers import run_in_threads

ATTESTATION = Trigger.EXTRANET_ATTESTATION_REQUEST


@pytest.fixture
def contract(client_a):
    return factories.ContractFactory(
        numero="FL-2026-001", client=client_a, product__name="Flotte automobile"
    )


def test_one_task_per_applicable_template_with_its_settings(
    contract, client_a_user, staff_user, other_staff, carol
):
    gestion = Group.objects.get(name="Gestion")
    validation = factories.TaskTemplateFactory(
        subject="Valider l'attestation",
        description="Vérifier le motif avant de valider.",
        due_in_days=3,
        is_priority=True,
        recipient_users=[other_staff],
        recipient_groups=[gestion],
        recipient_account_manager=True,
    )
    notification = factories.TaskTemplateFactory(
        subject="Pour information",
        type=TaskType.NOTIFICATION,
        recipient_users=[carol],
        recipient_account_manager=False,
    )
    factories.TaskTemplateFactory(is_active=False, recipient_users=[carol])

    tasks = tasks_create_for_trigger(
        trigger=ATTESTATION,
        product=contract.product,
        client=contract.client,
        contract=contract,
        requested_by=client_a_user,
        subject_suffix="FL-2026-001",
    )

    assert [t.template for t in tasks] == [validation, notification]
    task = Task.objects.get(pk=tasks[0].pk)
    assert task.subject == "Valider l'attestation – FL-2026-001"
    assert task.description == "Vérifier le motif avant de valider."
    assert task.type == TaskType.VALIDATION_EXTRANET
    assert task.is_priority
    assert task.due_date == factories.today() + datetime.timedelta(days=3)
    assert task.status == Task.Status.OPEN
    assert (task.client, task.contract, task.requested_by) == (
        contract.client,
        contract,
        client_a_user,
    )
    assert list(task.recipient_users.all()) == [other_staff]
    assert list(task.recipient_groups.all()) == [gestion]
    assert task.account_manager == staff_user  # client_a's manager, resolved at creation
    assert Task.objects.get(pk=tasks[1].pk).account_manager is None


def test_types_narrow_and_no_template_means_no_task(contract):
    factories.TaskTemplateFactory(type=TaskType.NOTIFICATION)

    assert (
        tasks_create_for_trigger(
            trigger=ATTESTATION,
            product=contract.product,
            client=contract.client,
            types={TaskType.VALIDATION_EXTRANET},
        )
        == []
    )
    assert not Task.objects.exists()


def test_each_recipient_is_emailed_once_in_french_after_commit(
    contract,
    client_a_user,
    staff_user,
    other_staff,
    carol,
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.SITE_URL = "https://courtage.example.fr"
    gestion = Group.objects.get(name="Gestion")
    other_staff.groups.add(gestion)  # named and in the group: one e-mail
    factories.TaskTemplateFactory(
        subject="Valider l'attestation",
        is_priority=True,
        recipient_users=[other_staff],
        recipient_groups=[gestion],
        recipient_account_manager=True,
    )
    inactive = factories.StaffFactory(is_active=False)
    inactive.groups.add(gestion)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (task,) = tasks_create_for_trigger(
            trigger=ATTESTATION,
            product=contract.product,
            client=contract.client,
            contract=contract,
            requested_by=client_a_user,
        )
        assert mailoutbox == []  # nothing before the commit

    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@cabinet.fr",
        "bob@cabinet.fr",
        "carol@cabinet.fr",
    ]
    assert all(len(m.to) == 1 for m in mailoutbox)  # nobody sees the others' addresses
    carol_mail = next(m for m in mailoutbox if m.to == ["carol@cabinet.fr"])
    assert carol_mail.subject == "[Prioritaire] Nouvelle tâche : Valider l'attestation"
    assert "Bonjour Carol," in carol_mail.body
    assert "Client : Transports Dupont SAS" in carol_mail.body
    assert "Contrat : FL-2026-001" in carol_mail.body
    assert "Demandée par : charlie@dupont.fr" in carol_mail.body
    due = factories.today() + datetime.timedelta(days=2)
    assert f"Échéance : {due:%d/%m/%Y}" in carol_mail.body
    assert f"https://courtage.example.fr/intranet/mes-taches/{task.pk}/" in carol_mail.body

    # The job run again (a re-delivery) tells nobody twice.
    assert task_recipients_notify(task_id=task.pk) == 0
    assert len(mailoutbox) == 3


def test_a_rolled_back_creation_tells_nobody(
    contract, mailoutbox, django_capture_on_commit_callbacks
):
    factories.TaskTemplateFactory()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasks_create_for_trigger(
            trigger=ATTESTATION, product=contract.product, client=contract.client
        )
        raise RuntimeError("the request failed after the task was created")

    assert mailoutbox == []
    assert not Task.objects.exists()


def test_only_recipients_decide_and_once(client_a, other_staff, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])

    with pytest.raises(PermissionDenied):
        task_decide(task=task, user=other_staff, outcome=Task.Status.DONE)
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN

    assert task_decide(task=task, user=carol, outcome=Task.Status.DONE, note="Fait.") is True
    assert task_decide(task=task, user=carol, outcome=Task.Status.CANCELLED) is False

    task.refresh_from_db()
    assert (task.status, task.decided_by, task.decision_note) == (Task.Status.DONE, carol, "Fait.")
    assert task.decided_at is not None


def test_an_extranet_validation_cannot_just_be_marked_done(client_a, carol):
    task = factories.TaskFactory(
        client=client_a, type=TaskType.VALIDATION_EXTRANET, recipient_users=[carol]
    )

    with pytest.raises(ValueError):
        task_decide(task=task, user=carol, outcome=Task.Status.DONE)
    with pytest.raises(ValueError):
        task_decide(task=task, user=carol, outcome=Task.Status.OPEN)
    assert task_decide(task=task, user=carol, outcome=Task.Status.REFUSED)


def test_the_loser_sees_the_decision_taken(client_a, superuser, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    stale = Task.objects.get(pk=task.pk)
    task_decide(task=task, user=superuser, outcome=Task.Status.DONE)

    assert task_cancel(task=stale) is False
    assert (stale.status, stale.decided_by) == (Task.Status.DONE, superuser)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_give_one_decision():
    """Two recipients click « Valider » and « Refuser » at the same time, 100 times over:
    each time exactly one of them wins and the task holds the winner's decision."""
    manager = factories.StaffFactory(username="alice", is_superuser=False)
    bob = factories.StaffFactory(username="bob", is_superuser=False)
    client = factories.ClientFactory(account_manager=manager)
    rounds = 100
    tasks = [
        factories.TaskFactory(
            client=client,
            type=TaskType.VALIDATION_EXTRANET,
            account_manager=manager,
            recipient_users=[bob],
        )
        for _ in range(rounds)
    ]
    results: dict[str, list[bool]] = {"alice": [None] * rounds, "bob": [None] * rounds}

    def deciding(user, outcome):
        def work(wait):
            for i, task in enumerate(tasks):
                mine = Task.objects.get(pk=task.pk)  # each loads the open task
                wait()
                with transaction.atomic():  # as the documents side will call it
                    results[user.username][i] = task_decide(task=mine, user=user, outcome=outcome)

        return work

    _, errors = run_in_threads(
        deciding(manager, Task.Status.APPROVED), deciding(bob, Task.Status.REFUSED)
    )

    assert errors == []
    decided = {t.pk: t for t in Task.objects.filter(pk__in=[t.pk for t in tasks])}
    for i, task in enumerate(tasks):
        alice_won, bob_won = results["alice"][i], results["bob"][i]
        assert alice_won != bob_won, f"round {i}: {alice_won=} {bob_won=}"
        expected = (
            (Task.Status.APPROVED, manager.pk) if alice_won else (Task.Status.REFUSED, bob.pk)
        )
        assert (decided[task.pk].status, decided[task.pk].decided_by_id) == expected
