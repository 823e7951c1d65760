"""French sentences for staff from the sandboxed child's failure reports.

The child (``docgen.template.describe``) reports a kind, a detail, the part and the paragraph
a failure comes from; ``reply_message`` says it in French. Messages go through ``_()``.
"""

from __future__ import annotations

import re

from .i18n import _


def _where(reply: dict) -> str:
    part = {
        "body": _("dans le corps du document"),
        "header": _("dans un en-tête"),
        "footer": _("dans un pied de page"),
        "notes": _("dans les notes de bas de page"),
    }.get(reply.get("part", ""), "")
    excerpt = reply.get("excerpt") or ""
    if excerpt:
        near = _("près de « %(text)s »") % {"text": excerpt}
        return f" {part}, {near}" if part else f" {near}"
    return f" {part}" if part else ""


def _syntax_detail(detail: str) -> str:
    """Jinja's English syntax messages, the frequent ones in French."""
    patterns = [
        (r"No filter named '([^']+)'", _("le filtre « %s » n'existe pas")),
        (r"No test named '([^']+)'", _("le test « %s » n'existe pas")),
        (
            r"Encountered unknown tag '([^']+)'",
            _("l'instruction « %s » est inconnue ou mal fermée"),
        ),
        (r"unexpected end of template", _("une balise {%% %%} n'est pas fermée (endfor, endif…)")),
        (r"unexpected '([^']+)'", _("le caractère « %s » est inattendu")),
        (r"expected token '([^']+)'", _("« %s » est attendu")),
    ]
    for pattern, french in patterns:
        match = re.search(pattern, detail, re.IGNORECASE)
        if match:
            return french % match.groups() if match.groups() else french.replace("%%", "%")
    return detail


def reply_message(reply: dict) -> str:
    """The French sentence for a child's failure report (see docgen.template.describe)."""
    kind, detail, where = reply.get("kind"), reply.get("detail", ""), _where(reply)
    if kind in ("syntax", "assertion"):
        return _("Erreur dans une balise du modèle%(where)s : %(detail)s.") % {
            "where": where,
            "detail": _syntax_detail(detail),
        }
    if kind == "security":
        if detail == "autoescape":
            what = _("l'instruction {% autoescape %} n'est pas permise")
        elif detail == "include":
            what = _("les instructions include, import et extends ne sont pas permises")
        else:
            what = _("l'accès à « %(name)s » est interdit") % {"name": _forbidden_name(detail)}
        return _("Le modèle contient une instruction interdite%(where)s : %(what)s.") % {
            "where": where,
            "what": what,
        }
    if kind == "undefined":
        return _undefined_message(detail, where)
    if kind == "not_a_list":
        return _(
            "Le modèle fait une boucle {%% for %%} sur « %(name)s »%(where)s, alors que ce "
            "n'est pas une liste."
        ) % {"name": detail, "where": where}
    if kind == "memory":
        return _("Le remplissage du modèle demande trop de mémoire.")
    if kind == "unreadable":
        return _("Ce fichier n'est pas un document Word .docx lisible.")
    if kind == "xml":
        return _("Le modèle produit un document Word mal formé%(where)s (%(detail)s).") % {
            "where": where,
            "detail": detail,
        }
    if "not callable" in detail:
        return _(
            "Le modèle appelle comme une fonction une étiquette qui n'en est pas une%(where)s."
        ) % {"where": where}
    return _("Le modèle n'a pas pu être rempli%(where)s : %(detail)s.") % {
        "where": where,
        "detail": f"{reply.get('type', '')}: {detail}",
    }


def _forbidden_name(detail: str) -> str:
    """The private attribute a model reached for, from the sandbox's various reports."""
    if detail.startswith("attribute:"):
        return detail.split(":", 1)[1]
    match = re.search(r"attribute '([^']+)'", detail) or re.search(r"\.(_\w*)", detail)
    return match.group(1) if match else _("un attribut interne")


def _undefined_message(detail: str, where: str) -> str:
    code, _sep, name = detail.partition(":")
    if code == "missing-key":
        return _(
            "L'étiquette « %(name)s » n'existe pas%(where)s. Voyez la liste des étiquettes connues."
        ) % {"name": name, "where": where}
    if code == "text-has-no-key":
        field = name.split(".", 1)[0]
        return _(
            "« %(name)s »%(where)s : « %(field)s » n'est pas une étiquette connue, c'est une "
            "zone de saisie (un simple texte), elle n'a pas d'élément « %(key)s »."
        ) % {"name": name, "where": where, "field": field, "key": name.split(".", 1)[-1]}
    return _("Le modèle utilise « %(name)s », qui n'est pas défini%(where)s.") % {
        "name": name or detail,
        "where": where,
    }
