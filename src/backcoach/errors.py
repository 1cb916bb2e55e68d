"""Errors a person can act on.

Every library error that a front end should show as a one-line message derives from
``BackcoachError``. Front ends catch it, print ``str(error)`` and exit non-zero; anything
else is a bug.
"""


class BackcoachError(Exception):
    """An error with a message written for the person using backcoach."""

    exit_code = 1


class ConfigError(BackcoachError):
    """A setting, environment variable or configuration file is wrong."""


class CatalogError(BackcoachError):
    """The exercise catalog is missing or invalid."""


class JournalError(BackcoachError):
    """The journal database cannot be used (locked, read-only, corrupt, newer version...)."""


class InputError(BackcoachError):
    """A file given by the person cannot be used (missing, empty, not a video...)."""


class NotFoundError(BackcoachError):
    """Something named by the person does not exist (an exercise id, a session...)."""


class SafetyStop(BackcoachError):
    """The safety rules do not allow a session now; the message says why and what to do."""

    exit_code = 3


class WrongState(InputError):
    """The request does not fit what is happening now (no session running, one already
    running); the web API answers it with 409."""
