"""The base of every failure Listener reports to its user (as opposed to a bug)."""


class ListenerError(RuntimeError):
    """A run failed for a reason the message explains: bad input, a failed gate, an API error."""
