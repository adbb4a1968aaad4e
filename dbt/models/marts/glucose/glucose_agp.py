"""Gold `glucose_agp`: computed by biolake.glucose.marts.glucose_agp (see glucose_agp.yml)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from biolake.glucose.marts import glucose_agp

    return glucose_agp(session, dbt.ref("stg_silver__glucose_readings"))
