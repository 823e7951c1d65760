"""Translation hook: docgen's messages are French msgids passed through ``_()``.

docgen does not import Django: by default ``_()`` returns the msgid unchanged (the French
sentence); an application installs its own ``gettext`` with ``set_translator`` (the
``documents`` app does it in ``ready()``).
"""

from __future__ import annotations

from collections.abc import Callable


def _identity(message: str) -> str:
    return message


_translator: Callable[[str], str] = _identity


def set_translator(translator: Callable[[str], str] | None) -> None:
    """Translate every later message with ``translator`` (None: back to the msgids)."""
    global _translator
    _translator = translator or _identity


def _(message: str) -> str:
    return _translator(message)
