"""« Modèles de tâches » and the tasks' history in the intranet."""

import pytest
from django.contrib.auth.models import Group

from tasks.models import Task, TaskTemplate, TaskType, Trigger
from tests import factories

ADD_URL = "/intranet/tasks/tasktemplate/add/"


def template_form(**overrides) -> dict:
    data = {
        "subject": "Valider la demande d'attestation",
        "type": TaskType.VALIDATION_EXTRANET,
        "trigger": Trigger.EXTRANET_ATTESTATION_REQUEST,
        "is_active": "on",
        "due_in_days": "2",
        "description": "Vérifier que le contrat est à jour.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_add_form_offers_the_page_settings(client, superuser):
    client.force_login(superuser)

    html = client.get(ADD_URL).content.decode()

    assert "Objet de la tâche" in html
    assert '<option value="validation_extranet">Validation (action extranet)</option>' in html
    assert '<optgroup label="Sur une action client depuis l&#x27;extranet client">' in html
    assert "Demande d&#x27;attestation depuis l&#x27;extranet client" in html
    assert "Le gestionnaire du client" in html
    assert "Marquer comme prioritaire" in html


def test_a_template_needs_a_recipient(client, superuser):
    client.force_login(superuser)

    response = client.post(ADD_URL, template_form())

    assert response.status_code == 200
    assert "Indiquez au moins un destinataire" in response.content.decode()
    assert not TaskTemplate.objects.exists()


def test_extranet_validation_needs_an_extranet_trigger(client, superuser):
    client.force_login(superuser)

    response = client.post(
        ADD_URL, template_form(trigger=Trigger.MANUAL, recipient_account_manager="on")
    )

    assert "doit être déclenchée par une action client" in response.content.decode()
    assert not TaskTemplate.objects.exists()


def test_save_a_template_with_group_and_products(client, superuser, other_staff):
    client.force_login(superuser)
    gestion = Group.objects.create(name="Gestion")
    flotte = factories.ProductFactory(name="Flotte automobile")

    response = client.post(
        ADD_URL,
        template_form(
            recipient_groups=[gestion.pk],
            recipient_users=[other_staff.pk],
            products=[flotte.pk],
            is_priority="on",
        ),
    )

    assert response.status_code == 302
    template = TaskTemplate.objects.get()
    assert list(template.recipient_groups.all()) == [gestion]
    assert list(template.recipient_users.all()) == [other_staff]
    assert list(template.products.all()) == [flotte]
    assert template.is_priority and not template.recipient_account_manager


def test_extranet_accounts_cannot_be_recipients(client, superuser, client_a_user):
    client.force_login(superuser)

    response = client.post(ADD_URL, template_form(recipient_users=[client_a_user.pk]))

    assert response.status_code == 200
    assert not TaskTemplate.objects.exists()


def test_task_history_is_read_only(client, staff_user, client_a):
    task = factories.TaskFactory(client=client_a, subject="Rappeler le client")
    client.force_login(staff_user)

    listing = client.get("/intranet/tasks/task/")
    page = client.get(f"/intranet/tasks/task/{task.pk}/change/")

    assert "Rappeler le client" in listing.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get("/intranet/tasks/task/add/").status_code == 403
    client.post(f"/intranet/tasks/task/{task.pk}/delete/", {"post": "yes"})
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize("who", ["anonymous", "client_a_user"])
def test_template_admin_is_staff_only(request, client, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/intranet/login/")
