"""Listener: the Python side of the social-listening warehouse.

Data flows one way through these modules:
generate (sample data) -> extract (raw zone) -> clean -> classify -> quality -> warehouse
(load, dbt build, publish) -> dashboard. `pipeline` wires the stages for the Airflow DAGs and
`cli` exposes them as the `listener` command.
"""
