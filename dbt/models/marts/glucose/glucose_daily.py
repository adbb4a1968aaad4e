"""Gold `glucose_daily`: computed by biolake.glucose.marts.glucose_daily (see glucose_daily.yml)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from biolake.glucose.marts import glucose_daily

    return glucose_daily(session, dbt.ref("stg_silver__glucose_readings"))
