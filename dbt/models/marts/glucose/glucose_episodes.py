"""Gold `glucose_episodes`: computed by biolake.glucose.marts.glucose_episodes (see glucose_episodes.yml)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from biolake.glucose.marts import glucose_episodes

    return glucose_episodes(session, dbt.ref("stg_silver__glucose_readings"))
