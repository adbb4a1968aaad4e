"""Nutrition: energy balance (intake − expenditure, gold.nutrition_daily) with an autocorrelation-aware
interval and the weight trend it implies (7,700 kcal per kg of body mass, Wishnofsky 1958) against the
observed Theil-Sen weight slope; protein per kg of body weight against the 1.2–2.0 g/kg range advised
for active adults (ISSN position stand, Jäger et al. 2017); macro shares' weekly trends. Only days with
food logged count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.analyzers.readiness_trend import per_week
from biolake.insights.base import BaseAnalyzer, Result, verdict_of
from biolake.insights.frames import inside, numeric
from biolake.insights.narrate import num, stats_text
from biolake.insights.stats import mean_interval, theil_sen

if TYPE_CHECKING:
    import pandas as pd

KCAL_PER_KG = 7700.0
PROTEIN_RANGE = (1.2, 2.0)


class Nutrition(BaseAnalyzer):
    name = "nutrition"
    title = "Nutrition: energy balance, protein and macros"
    table = "gold.nutrition_daily"
    columns = (
        "energy_kcal",
        "energy_balance_kcal",
        "protein_g",
        "weight_kg",
        "protein_pct_energy",
        "carbs_pct_energy",
        "fat_pct_energy",
    )
    min_n = 14

    def analyze(self, frame: pd.DataFrame) -> Result:
        import pandas as pd

        f = frame.copy()
        f["weight_known"] = numeric(f, "weight_kg").ffill()
        f = inside(f)
        logged = f[numeric(f, "energy_kcal") > 0]
        n = len(logged)
        if n < self.min_n:
            return self.thin(n, "days with food logged")
        t = (pd.to_datetime(f["date_day"]) - pd.to_datetime(f["date_day"]).min()).dt.days.astype(float)
        balance = mean_interval(
            numeric(logged, "energy_balance_kcal"), "mean daily energy balance", "kcal/day"
        )
        protein = mean_interval(
            numeric(logged, "protein_g") / numeric(logged, "weight_known"),
            "protein per kg body weight",
            "g/kg/day",
        )
        weight = per_week(theil_sen(numeric(f, "weight_kg"), t, "body weight trend"), "kg/week")
        lt = t[numeric(f, "energy_kcal") > 0]
        macros = ("protein_pct_energy", "carbs_pct_energy", "fat_pct_energy")
        findings = [balance, protein, weight] + [
            per_week(theil_sen(numeric(logged, c), lt, f"{c} trend"), "%-points/week") for c in macros
        ]
        implied = None if balance.effect is None else balance.effect * 7 / KCAL_PER_KG
        summary = {
            "logged_days": n,
            "implied_weight_change_kg_per_week": None if implied is None else round(implied, 3),
            "protein_range_g_per_kg": list(PROTEIN_RANGE),
        }
        return Result(self.name, self.title, verdict_of(balance), n, findings, summary)

    def describe(self, result: Result) -> str:
        balance, protein, weight = result.findings[:3]
        s = result.summary
        text = f"Energy balance on {s['logged_days']} logged days: {stats_text(balance, 0)}"
        if s["implied_weight_change_kg_per_week"] is not None:
            text += f", which would mean about {s['implied_weight_change_kg_per_week']:+.2f} kg per week"
        text += f"; the scale says {num(weight.effect, 3)} kg/week ({stats_text(weight, 3)})."
        text += " Logging gaps and estimated expenditure make the balance uncertain."
        if protein.effect is not None:
            lo, hi = PROTEIN_RANGE
            where = "below" if protein.effect < lo else "above" if protein.effect > hi else "within"
            text += (
                f" Protein {protein.effect:.2f} g/kg/day, {where} the {lo}–{hi} g/kg range for active adults."
            )
        trends = [f for f in result.findings[3:] if f.significant() and f.effect is not None]
        if trends:
            text += " Macro trends: " + "; ".join(f"{f.label} {f.effect:+.2f} {f.unit}" for f in trends) + "."
        return text
