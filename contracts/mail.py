"""E-mails from templates, sent in the cabinet's name.

An e-mail ``<name>`` is ``templates/emails/<name>_subject.txt`` and ``<name>_body.txt``, plus
``<name>_body.html`` when it exists; all are rendered in the recipient's language. Recipients
see the cabinet as the sender (its name, its e-mail as Reply-To), never the software.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation

from .selectors import cabinet_get


def recipient_language(user) -> str:
    """The language a person reads their e-mails in: accounts have no preference of their
    own yet, so the site's language (French)."""
    return settings.LANGUAGE_CODE


def cabinet_sender() -> tuple[str, list[str]]:
    """``From`` (the cabinet's name over the installation's sending address, so SPF and
    DKIM hold) and ``Reply-To`` (the cabinet's own address, when it has one)."""
    cabinet = cabinet_get()
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    name = " ".join(cabinet.nom.split()).replace("\\", "").replace('"', "")
    return f'"{name}" <{address}>', [cabinet.email] if cabinet.email else []


def email_message(*, name: str, context: dict, to: str, language: str) -> EmailMultiAlternatives:
    """The e-mail ``name`` for one recipient, rendered in ``language``."""
    from_email, reply_to = cabinet_sender()
    context = {"cabinet": cabinet_get(), "site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{name}_subject.txt", context)
        body = render_to_string(f"emails/{name}_body.txt", context)
        try:
            html = get_template(f"emails/{name}_body.html").render(context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line: a newline would end the header
        body=body.strip() + "\n",
        from_email=from_email,
        to=[to],
        reply_to=reply_to,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def email_send(*, name: str, context: dict, user) -> int:
    """Sends the e-mail ``name`` to ``user`` (none when the account has no address)."""
    if not user.email:
        return 0
    return email_message(
        name=name, context=context, to=user.email, language=recipient_language(user)
    ).send()
