from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from django.utils.translation import gettext

        import docgen

        docgen.set_translator(gettext)  # the engine's French msgids, through the catalogue
