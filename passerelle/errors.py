"""The one exception the CLI and API turn into a clear message instead of a traceback."""


class PasserelleError(Exception):
    """A problem a user can fix; ``str(error)`` is the whole message, written for them."""

    exit_code = 2
