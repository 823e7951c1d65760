"""« Mes tâches » in the intranet: the inbox, the task page, « Marquer comme terminée »."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.selectors import cabinet_get
from tasks.models import Task, TaskType
from tests import factories

INBOX = "/intranet/mes-taches/"


def task_url(task) -> str:
    return f"{INBOX}{task.pk}/"


def row_subjects(html: str) -> list[str]:
    return re.findall(r'<a href="/intranet/mes-taches/\d+/">([^<]+)</a>', html)


def test_inbox_lists_my_tasks_priority_first_then_due_date_overdue_marked(
    client, client_a, other_staff, carol
):
    today = factories.today()
    gestion = Group.objects.get(name="Gestion")
    other_staff.groups.add(gestion)

    def task(subject, days, **kwargs):
        return factories.TaskFactory(
            client=client_a,
            subject=subject,
            due_date=today + datetime.timedelta(days=days),
            **kwargs,
        )

    task("Appeler le client", 4, recipient_users=[other_staff])
    task("Relancer l'assureur", -2, recipient_groups=[gestion])
    task("Valider l'attestation", 6, is_priority=True, account_manager=other_staff)
    task("Dossier de Carol", 1, recipient_users=[carol])
    client.force_login(other_staff)

    response = client.get(INBOX)

    assert response.status_code == 200
    html = response.content.decode()
    assert row_subjects(html) == [
        "Valider l&#x27;attestation",
        "Relancer l&#x27;assureur",
        "Appeler le client",
    ]
    overdue_rows = re.findall(r'<tr class="task-row overdue[^"]*">.*?</tr>', html, re.S)
    assert len(overdue_rows) == 1 and "Relancer" in overdue_rows[0]
    assert "En retard" in overdue_rows[0]
    assert "Prioritaire" in html and "Transports Dupont SAS" in html


def test_inbox_filters_by_status(client, client_a, other_staff):
    factories.TaskFactory(client=client_a, subject="Ouverte", recipient_users=[other_staff])
    factories.TaskFactory(
        client=client_a,
        subject="Terminée hier",
        recipient_users=[other_staff],
        status=Task.Status.DONE,
        decided_at=factories.timezone.now(),
    )
    client.force_login(other_staff)

    assert row_subjects(client.get(INBOX).content.decode()) == ["Ouverte"]
    assert row_subjects(client.get(INBOX + "?statut=decidees").content.decode()) == [
        "Terminée hier"
    ]
    assert len(row_subjects(client.get(INBOX + "?statut=toutes").content.decode())) == 2
    # An unknown filter falls back on « À traiter ».
    assert row_subjects(client.get(INBOX + "?statut=nimportequoi").content.decode()) == ["Ouverte"]


def test_inbox_of_10000_tasks_in_a_fixed_number_of_queries(
    client, client_a, other_staff, django_assert_max_num_queries
):
    gestion = Group.objects.create(name="Souscription")
    other_staff.groups.add(gestion)
    contract = factories.ContractFactory(client=client_a)
    client.force_login(other_staff)

    def add_tasks(count: int) -> None:
        today = factories.today()
        tasks = Task.objects.bulk_create(
            Task(
                subject=f"Tâche {i}",
                type=TaskType.ACTION,
                due_date=today + datetime.timedelta(days=i % 30 - 10),
                is_priority=i % 7 == 0,
                client=client_a,
                contract=contract if i % 2 else None,
                account_manager=other_staff if i % 3 == 0 else None,
            )
            for i in range(count)
        )
        Task.recipient_users.through.objects.bulk_create(
            Task.recipient_users.through(task_id=t.pk, user_id=other_staff.pk) for t in tasks[1::3]
        )
        Task.recipient_groups.through.objects.bulk_create(
            Task.recipient_groups.through(task_id=t.pk, group_id=gestion.pk) for t in tasks[2::3]
        )

    cabinet_get()  # the cabinet exists in any real installation
    add_tasks(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(INBOX).status_code == 200
    add_tasks(10_000)

    # session, user, the paginator's COUNT, the user's permissions and its groups'
    # (the sidebar's app list), the cabinet's name, the page of 50 tasks with their client
    # and contract joined: 7, whatever the number of tasks.
    with django_assert_max_num_queries(7) as many:
        response = client.get(INBOX)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(row_subjects(response.content.decode())) == 50
    assert "10\u202f003 tâches" in response.content.decode()


def test_task_page_shows_who_asked_when_for_which_contract(
    client, client_a, client_a_user, other_staff, carol
):
    contract = factories.ContractFactory(numero="FL-2026-001", client=client_a)
    task = factories.TaskFactory(
        client=client_a,
        contract=contract,
        subject="Valider l'attestation",
        description="Vérifier le motif.",
        requested_by=client_a_user,
        is_priority=True,
        recipient_users=[carol],
        account_manager=other_staff,
    )
    client.force_login(carol)

    html = client.get(task_url(task)).content.decode()

    for text in (
        "Valider l&#x27;attestation",
        "Vérifier le motif.",
        "Transports Dupont SAS",
        "FL-2026-001",
        "charlie@dupont.fr",
        f"{task.due_date:%d/%m/%Y}",
        "À traiter",
        "Carol",
        "Marquer comme terminée",
    ):
        assert text in html, text


def test_mark_done(client, client_a, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    client.force_login(carol)

    response = client.post(task_url(task) + "terminer/", {"note": "Client rappelé."}, follow=True)

    assert "La tâche est marquée comme terminée." in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.decided_by, task.decision_note) == (
        Task.Status.DONE,
        carol,
        "Client rappelé.",
    )
    html = response.content.decode()
    assert "Terminée" in html and "Client rappelé." in html
    assert "Marquer comme terminée" not in html


def test_mark_done_twice_tells_who_decided_first(client, client_a, carol, other_staff):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol, other_staff])
    client.force_login(other_staff)
    client.post(task_url(task) + "terminer/")
    client.force_login(carol)

    response = client.post(task_url(task) + "terminer/", follow=True)

    today = factories.today()
    assert (
        f"Cette tâche a déjà été traitée par Bob (terminée) le {today:%d/%m/%Y} à "
        in response.content.decode()
    )
    task.refresh_from_db()
    assert task.decided_by == other_staff


def test_extranet_validation_has_no_generic_button(client, client_a, carol):
    task = factories.TaskFactory(
        client=client_a, type=TaskType.VALIDATION_EXTRANET, recipient_users=[carol]
    )
    client.force_login(carol)

    assert "Marquer comme terminée" not in client.get(task_url(task)).content.decode()
    response = client.post(task_url(task) + "terminer/", follow=True)
    assert "elle attend une décision" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_someone_elses_task_is_404(client, client_a, carol, other_staff):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    client.force_login(other_staff)

    assert client.get(task_url(task)).status_code == 404
    assert client.post(task_url(task) + "terminer/").status_code == 404
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_seeing_every_task_is_not_deciding_every_task(client, client_a, carol):
    """A director with « voir les tâches » opens any task, but only its recipients decide."""
    from django.contrib.auth.models import Permission

    director = factories.StaffFactory(is_superuser=False)
    director.user_permissions.add(Permission.objects.get(codename="view_task"))
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    client.force_login(director)

    html = client.get(task_url(task)).content.decode()
    assert "Marquer comme terminée" not in html
    assert client.post(task_url(task) + "terminer/").status_code == 403
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


@pytest.mark.parametrize("who", ["anonymous", "client_a_user"])
def test_anonymous_and_extranet_users_are_sent_to_the_login(request, client, who, client_a):
    task = factories.TaskFactory(client=client_a)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    for url in (INBOX, task_url(task)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/intranet/login/")
    assert client.post(task_url(task) + "terminer/").status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_wrong_methods(client, client_a, carol):
    task = factories.TaskFactory(client=client_a, recipient_users=[carol])
    client.force_login(carol)

    assert client.post(INBOX).status_code == 405
    assert client.post(task_url(task)).status_code == 405
    assert client.get(task_url(task) + "terminer/").status_code == 405


def test_home_page_shows_the_number_of_open_tasks(client, client_a, carol, other_staff):
    factories.TaskFactory.create_batch(2, client=client_a, recipient_users=[carol])
    factories.TaskFactory(client=client_a, recipient_users=[other_staff])
    client.force_login(carol)

    html = client.get("/intranet/").content.decode()

    assert "2 tâches à traiter" in html
    assert 'href="/intranet/mes-taches/"' in html
