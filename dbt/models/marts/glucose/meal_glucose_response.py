"""Gold `meal_glucose_response`: computed by biolake.glucose.marts.meal_glucose_response (see .yml)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from biolake.glucose.marts import meal_glucose_response

    return meal_glucose_response(
        session, dbt.ref("stg_silver__nutrition_entries"), dbt.ref("stg_silver__glucose_readings")
    )
