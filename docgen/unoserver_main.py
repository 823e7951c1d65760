"""Entry point of one converter of the pool: unoserver's server, loading documents hidden.

Run by ``docgen.pool`` under Debian's Python (the one with ``uno``), never by the app: it
imports only the stdlib, uno and unoserver, whose folder comes first on the command line
(``python3 -I unoserver_main.py <unoserver's site-packages> <options>``). Why: docs/engine.md.
"""

import sys


def main() -> int:
    sys.path.append(sys.argv.pop(1))  # appended: nothing there shadows Debian's modules
    sys.argv[0] = "unoserver"

    import uno  # noqa: F401 - installs the import hook for com.sun.star
    from com.sun.star.beans import PropertyValue
    from unoserver import converter, server

    class HiddenDesktop:
        """LibreOffice's Desktop, with `Hidden=True` added to every document it loads."""

        def __init__(self, desktop):
            self._desktop = desktop

        def loadComponentFromURL(self, url, frame, flags, properties):  # noqa: N802 - UNO's name
            hidden = PropertyValue(Name="Hidden", Value=True)
            return self._desktop.loadComponentFromURL(url, frame, flags, (*properties, hidden))

        def __getattr__(self, name):
            return getattr(self._desktop, name)

    unpatched_init = converter.UnoConverter.__init__

    def init(self, *args, **kwargs):
        unpatched_init(self, *args, **kwargs)
        self.desktop = HiddenDesktop(self.desktop)

    converter.UnoConverter.__init__ = init
    return server.main()


if __name__ == "__main__":
    sys.exit(main())
