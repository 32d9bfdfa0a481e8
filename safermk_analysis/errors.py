"""Errors the suite raises for bad input: each says what is wrong and how to fix it."""


class SaferMKError(Exception):
    """Base class: a problem with the user's input, described in plain words."""


class InputDataError(SaferMKError, ValueError):
    """A data file is missing, unreadable or not in the expected format."""


class AreaError(SaferMKError, ValueError):
    """An area (local authority) code or name that does not exist in the lookup."""


class ConfigError(SaferMKError, ValueError):
    """A configuration file with an unknown key, a wrong type or an impossible value."""


class EmptySelectionError(SaferMKError, ValueError):
    """A selection (area, months, category) that contains no records."""
