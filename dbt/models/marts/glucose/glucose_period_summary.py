"""Gold `glucose_period_summary`: computed by biolake.glucose.marts.glucose_period_summary (see glucose_period_summary.yml)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from biolake.glucose.marts import glucose_period_summary

    return glucose_period_summary(session, dbt.ref("stg_silver__glucose_readings"))
