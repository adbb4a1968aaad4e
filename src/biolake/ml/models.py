"""The candidate models and their selection, done on training data only.

* ``ridge``: median imputation, standardization, screening to the k features most correlated with the
  target (k searched; the univariate F test ranks features the same way), ridge regression
  (closed form: β = (ZᵀZ + αI)⁻¹ Zᵀ(y − ȳ), intercept ȳ, as ``sklearn.linear_model.Ridge``).
* ``elasticnet``: median imputation, standardization, ElasticNet (scikit-learn; the L1 part selects).
* ``lightgbm``: gradient-boosted trees (LightGBM, missing values handled natively), shallow and
  regularized; a candidate only from :data:`LIGHTGBM_MIN_ROWS` training rows up.

:func:`select` runs a time-ordered inner cross-validation on the training rows it is given (each
validation block later than its training rows), picks the configuration with the lowest pooled MAE and
keeps that configuration's out-of-fold residuals: their conformal quantile is the half-width of the
prediction interval (split-conformal: Vovk, Gammerman & Shafer 2005; Lei et al. 2018, JASA 113:1094;
residuals pooled over several time-ordered splits as in cross-conformal prediction, Vovk 2015). Columns
with more than half their values missing, or a single value, in the training rows are dropped first.
scikit-learn and LightGBM are imported inside functions: importing this module stays cheap, and a fitted
linear model predicts with numpy alone.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FAMILIES = ("ridge", "elasticnet", "lightgbm")
LIGHTGBM_MIN_ROWS = 200
MAX_MISSING = 0.5
INNER_SPLITS = 3

GRIDS: dict[str, list[dict[str, Any]]] = {
    "ridge": [{"k": k, "alpha": a} for k in (10, 20, "all") for a in (1.0, 10.0, 100.0)],
    "elasticnet": [{"alpha": a, "l1_ratio": r} for a in (0.05, 0.2, 0.5) for r in (0.3, 0.8)],
    "lightgbm": [
        {"num_leaves": 4, "n_estimators": 120, "learning_rate": 0.06},
        {"num_leaves": 8, "n_estimators": 80, "learning_rate": 0.06},
    ],
}
LIGHTGBM_FIXED: dict[str, Any] = {
    "objective": "regression",
    "min_data_in_leaf": 15,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "num_threads": 1,
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
}


@dataclass(frozen=True)
class Config:
    """A model family and its hyperparameters."""

    family: str
    params: dict[str, Any] = field(hash=False)

    def label(self) -> str:
        return f"{self.family}(" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"


@dataclass
class Standardizer:
    """Median imputation then standardization, with the statistics of the training rows."""

    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        import numpy as np

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an all-missing column inside a split
            medians = np.nan_to_num(np.nanmedian(X, axis=0))
        filled = np.where(np.isnan(X), medians, X)
        means, scales = filled.mean(axis=0), filled.std(axis=0)
        return cls(medians, means, np.where(scales > 0, scales, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray((np.where(np.isnan(X), self.medians, X) - self.means) / self.scales, dtype=float)


@dataclass
class LinearFit:
    """A linear model on standardized features: ŷ = intercept + Σ coef_j · z_j over ``selected``."""

    standardizer: Standardizer
    selected: np.ndarray  # indices into the model's columns
    coef: np.ndarray
    intercept: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(self.intercept + self.standardizer.transform(X)[:, self.selected] @ self.coef)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per feature (all columns, zero where unselected): coef_j · z_j, the shift from the intercept
        (the training mean) that feature j causes."""
        import numpy as np

        out = np.zeros_like(X, dtype=float)
        out[:, self.selected] = self.standardizer.transform(X)[:, self.selected] * self.coef
        return out


def _top_k(Z: np.ndarray, y: np.ndarray, k: int | str) -> np.ndarray:
    import numpy as np

    if k == "all" or int(k) >= Z.shape[1]:
        return np.arange(Z.shape[1])
    yc = y - y.mean()
    denom = np.sqrt((Z**2).sum(axis=0) * (yc**2).sum())
    corr = np.abs(Z.T @ yc) / np.where(denom > 0, denom, np.inf)
    return np.sort(np.argsort(-corr, kind="stable")[: int(k)])


def _fit_linear(config: Config, X: np.ndarray, y: np.ndarray, seed: int, std: Standardizer) -> LinearFit:
    import numpy as np

    Z = std.transform(X)
    if config.family == "ridge":
        selected = _top_k(Z, y, config.params["k"])
        Zs = Z[:, selected]
        gram = Zs.T @ Zs + config.params["alpha"] * np.eye(len(selected))
        coef = np.linalg.solve(gram, Zs.T @ (y - y.mean()))
        return LinearFit(std, selected, coef, float(y.mean()))
    from sklearn.linear_model import ElasticNet

    model = ElasticNet(
        alpha=config.params["alpha"], l1_ratio=config.params["l1_ratio"], max_iter=5000, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes on tiny splits
        model.fit(Z, y)
    selected = np.arange(Z.shape[1])
    return LinearFit(std, selected, np.asarray(model.coef_, dtype=float), float(model.intercept_))


def _fit_lightgbm(config: Config, X: np.ndarray, y: np.ndarray, seed: int) -> Any:
    import lightgbm

    params = {
        **LIGHTGBM_FIXED,
        "num_leaves": config.params["num_leaves"],
        "learning_rate": config.params["learning_rate"],
        "seed": seed,
    }
    data = lightgbm.Dataset(X, y, params={"max_bin": params["max_bin"], "verbose": -1})
    return lightgbm.train(params, data, num_boost_round=config.params["n_estimators"])


def _fit(config: Config, X: np.ndarray, y: np.ndarray, seed: int, std: Standardizer | None = None) -> Any:
    if config.family == "lightgbm":
        return _fit_lightgbm(config, X, y, seed)
    return _fit_linear(config, X, y, seed, std or Standardizer.fit(X))


@dataclass
class FittedModel:
    """A configuration fitted on training rows, with its calibrated interval half-width."""

    config: Config
    columns: list[str]
    estimator: Any  # LinearFit or a lightgbm.Booster
    half_width: float
    coverage: float
    n_train: int
    cv_mae: float

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        import numpy as np

        return np.asarray(X.reindex(columns=self.columns).to_numpy(dtype=float))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        import numpy as np

        return np.asarray(self.estimator.predict(self._matrix(X)), dtype=float)

    def contributions(self, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        """Base values and additive per-feature contributions (prediction = base + row sum): for a linear
        model coef·z (base: the intercept); for LightGBM its TreeSHAP values (Lundberg et al. 2020)."""
        import numpy as np
        import pandas as pd

        matrix = self._matrix(X)
        if isinstance(self.estimator, LinearFit):
            values = self.estimator.contributions(matrix)
            base = np.full(len(matrix), self.estimator.intercept)
        else:
            shap = self.estimator.predict(matrix, pred_contrib=True)
            values, base = shap[:, :-1], shap[:, -1]
        return base, pd.DataFrame(values, index=X.index, columns=self.columns)


def one_thread() -> Any:
    """A context in which numpy's BLAS runs on one thread: the matrices here are small, and on a busy
    machine BLAS threads spinning against other work cost three times the wall time."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(limits=1)


def families_for(requested: str, n_rows: int) -> tuple[list[str], list[str]]:
    """The families to try for ``n_rows`` training rows, and warnings about what was left out."""
    wanted = list(FAMILIES) if requested == "auto" else [requested]
    notes: list[str] = []
    if "lightgbm" in wanted and n_rows < LIGHTGBM_MIN_ROWS:
        wanted = [f for f in wanted if f != "lightgbm"] or ["ridge"]
        notes.append(
            f"only {n_rows} training days: fitting the linear model only "
            f"(LightGBM needs at least {LIGHTGBM_MIN_ROWS})"
        )
    return wanted, notes


def screen_columns(X: pd.DataFrame) -> list[str]:
    """Columns with at most half their values missing and more than one distinct value."""
    missing = X.isna().mean()
    distinct = X.nunique(dropna=True)
    return [c for c in X.columns if missing[c] <= MAX_MISSING and distinct[c] > 1]


def inner_splits(n: int, splits: int = INNER_SPLITS) -> list[tuple[slice, slice]]:
    """Time-ordered (train, validation) slices over ``n`` rows: validation blocks of n/6 rows (at least
    14) at the end, each trained on every row before it."""
    size = max(14, n // 6)
    first = n - splits * size
    if first < 20:
        size = max(1, (n - 20) // splits)
        first = n - splits * size
    return [
        (slice(0, first + i * size), slice(first + i * size, first + (i + 1) * size)) for i in range(splits)
    ]


def conformal_half_width(residuals: np.ndarray, coverage: float) -> float:
    """The ⌈(m + 1)·coverage⌉-th smallest absolute residual of m (the split-conformal quantile)."""
    import numpy as np

    r = np.sort(np.abs(residuals[~np.isnan(residuals)]))
    if r.size == 0:
        return math.nan
    k = min(r.size, math.ceil((r.size + 1) * coverage))
    return float(r[k - 1])


@dataclass
class Selection:
    """The outcome of the inner search on one training set."""

    config: Config
    columns: list[str]
    cv_mae: float
    half_width: float
    scores: dict[str, float]


def select(X: pd.DataFrame, y: np.ndarray, families: list[str], seed: int, coverage: float) -> Selection:
    """Pick the configuration with the lowest inner-CV MAE among ``families`` (training rows only)."""
    import numpy as np

    columns = screen_columns(X)
    data = X[columns].to_numpy(dtype=float)
    splits = [(data[tr], y[tr], data[va], y[va]) for tr, va in inner_splits(len(y))]
    standardizers = [Standardizer.fit(x_tr) for x_tr, _, _, _ in splits]
    best: tuple[float, Config, np.ndarray] | None = None
    scores: dict[str, float] = {}
    for family in families:
        for params in GRIDS[family]:
            config = Config(family, params)
            residuals = np.concatenate(
                [
                    y_va - _fit(config, x_tr, y_tr, seed, std).predict(x_va)
                    for (x_tr, y_tr, x_va, y_va), std in zip(splits, standardizers, strict=True)
                ]
            )
            mae = float(np.mean(np.abs(residuals)))
            scores[config.label()] = mae
            if best is None or mae < best[0]:
                best = (mae, config, residuals)
    assert best is not None
    mae, config, residuals = best
    return Selection(config, columns, mae, conformal_half_width(residuals, coverage), scores)


def fit(selection: Selection, X: pd.DataFrame, y: np.ndarray, seed: int, coverage: float) -> FittedModel:
    """Refit the selected configuration on all of ``X``."""
    estimator = _fit(selection.config, X[selection.columns].to_numpy(dtype=float), y, seed)
    return FittedModel(
        selection.config,
        selection.columns,
        estimator,
        selection.half_width,
        coverage,
        len(y),
        selection.cv_mae,
    )
