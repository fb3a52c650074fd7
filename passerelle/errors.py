"""The one exception the CLI and API turn into a clear message instead of a traceback."""


class PasserelleError(Exception):
    """A problem a user can fix; ``str(error)`` is the whole message, written for them."""

    exit_code = 2


class InvalidData(PasserelleError):
    """Input that was read but is wrong (does not parse, breaks a rule): the data is what to fix.

    The CLI exits 1 for it, and 2 for a command that could not run at all (no such file, a store
    that cannot be opened)."""

    exit_code = 1
