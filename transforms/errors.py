"""The base of every failure Listener reports to its user (as opposed to a bug)."""


class ListenerError(RuntimeError):
    """A run failed for a reason the message explains: bad input, a failed gate, an API error."""


class GateStopped(ListenerError):
    """A gate (quality expectations, dbt tests) stopped a batch: retrying gives the same verdict,
    so an Airflow task fails at once instead of retrying."""


class RawDataExpired(GateStopped):
    """A day's raw batches were removed by the retention rule: the day cannot be processed
    again (a retry cannot bring the data back, so an Airflow task fails at once)."""


class StorageError(ListenerError):
    """A file could not be written: the disk is full, a size quota was hit, or the data directory
    is read-only. The message names the path and the cause; nothing half-written is left in
    place, so the step can simply be re-run once storage is fixed."""
