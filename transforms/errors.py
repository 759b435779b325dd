"""The base of every failure Listener reports to its user (as opposed to a bug)."""


class ListenerError(RuntimeError):
    """A run failed for a reason the message explains: bad input, a failed gate, an API error."""


class GateStopped(ListenerError):
    """A gate (quality expectations, dbt tests) stopped a batch: retrying gives the same verdict,
    so an Airflow task fails at once instead of retrying."""


class RawDataExpired(GateStopped):
    """A day's raw batches were removed by the retention rule: the day cannot be processed
    again (a retry cannot bring the data back, so an Airflow task fails at once)."""
