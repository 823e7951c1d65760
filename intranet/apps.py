from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntranetConfig(AppConfig):
    name = "intranet"
    verbose_name = _("Intranet")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import staff_logged_in

        user_logged_in.connect(staff_logged_in, dispatch_uid="intranet-staff-idle")
