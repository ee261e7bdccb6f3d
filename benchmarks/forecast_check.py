"""LSTMRegressor's defaults against RidgeCV on public series outside the defaults study.

The study (``defaults_study.py``) chose the defaults on its own tasks; this checks them on
series it never used, as the study builds its forecasting tasks: windows of the last ``lags``
values, the next value as target, the first 80% of windows to fit and the rest to score.

* aeon's bundled Airline (monthly passengers) and Lynx (yearly trappings);
* sktime's bundled seatbelts (monthly UK road casualties, ``KSI``);
* statsmodels' bundled sunspots (yearly), co2 (weekly, read monthly), Nile (yearly flow),
  El Nino (monthly sea temperature), and US quarterly macro series (growth in % of real GDP,
  consumption, investment, M1 and CPI; unemployment, T-bill rate and inflation as given);
* statsmodels' Danish money demand (quarterly, four series of 55 values).

Every cell is the mean RMSE over seeds 0, 1, 2 (``random_state``) with its standard
deviation; ``RidgeCV`` (its defaults, standardized flattened windows) has no seed.

Run: ``python benchmarks/forecast_check.py`` (needs ``pip install aeon==1.6.0 sktime
statsmodels``, none of which sklstm needs). ``--jobs`` runs that many fits at once, each on
one BLAS thread.
"""

import argparse
import warnings
from importlib import resources

import numpy as np
import pandas as pd
from defaults_study import SEEDS, _windows, ridge
from joblib import Parallel, delayed
from sklearn.metrics import root_mean_squared_error
from threadpoolctl import threadpool_limits

from sklstm import LSTMRegressor


def _bundled(package, name, column):
    folder = resources.files(package) / "datasets" / "data" / name
    return pd.read_csv(folder / f"{name}.csv")[column].to_numpy(np.float64)


def _growth(values):
    return np.diff(np.log(np.asarray(values, np.float64))) * 100


def series():
    """name -> (series, lags)."""
    import statsmodels.api as sm

    out = {
        "Airline": (_bundled("aeon", "Airline", "Passengers"), 24),
        "Lynx": (_bundled("aeon", "Lynx", "0"), 20),
        "seatbelts": (_bundled("sktime", "seatbelts", "KSI"), 24),
        "sunspots": (sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(), 22),
        "Nile": (sm.datasets.nile.load_pandas().data["volume"].to_numpy(np.float64), 10),
        "El Nino": (sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel(), 24),
    }
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    out["co2"] = (co2.to_numpy(), 24)
    macro = sm.datasets.macrodata.load_pandas().data
    for column in ("realgdp", "realcons", "realinv", "m1", "cpi"):
        out[f"US {column} growth"] = (_growth(macro[column]), 8)
    for column in ("unemp", "tbilrate", "infl"):
        out[f"US {column}"] = (macro[column].to_numpy(np.float64), 8)
    danish = sm.datasets.danish_data.load_pandas().data
    for column in ("lrm", "lry", "lpy", "ibo"):
        out[f"Danish {column}"] = (danish[column].to_numpy(np.float64), 8)
    return out


def fit(data, seed):
    """Test RMSE of the default regressor, and its ``network_weight_``."""
    X_train, y_train, X_test, y_test = data
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMRegressor(random_state=seed).fit(X_train, y_train)
    return root_mean_squared_error(y_test, model.predict(X_test)), model.network_weight_


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="fits run at once")
    args = parser.parse_args()
    tasks = {name: _windows(s, s, lags) for name, (s, lags) in series().items()}
    keys = [(name, seed) for name in tasks for seed in SEEDS]
    results = Parallel(n_jobs=args.jobs)(delayed(fit)(tasks[n], s) for n, s in keys)
    by_key = dict(zip(keys, results))
    header = ["series".ljust(19), "RidgeCV".rjust(9), "sklstm".rjust(9), "sd".rjust(7)]
    print("| " + " | ".join(header + ["ratio", "network_weight_"]) + " |")
    print("| " + " | ".join("-" * len(h) for h in header + ["ratio", "network_weight_"]) + " |")
    ratios = []
    for name, data in tasks.items():
        scores = [by_key[name, s][0] for s in SEEDS]
        weights = " ".join(f"{by_key[name, s][1]:.2f}" for s in SEEDS)
        baseline = ridge(*data)
        ratios.append(np.mean(scores) / baseline)
        print(
            f"| {name:19} | {baseline:9.4g} | {np.mean(scores):9.4g} | {np.std(scores):7.2g} "
            f"| {ratios[-1]:5.3f} | {weights:15} |"
        )
    ratios = np.array(ratios)
    print(
        f"\nRMSE at most RidgeCV's on {np.sum(ratios <= 1)} of {len(ratios)} series; ratio to "
        f"RidgeCV: geometric mean {np.exp(np.mean(np.log(ratios))):.3f}, "
        f"largest {ratios.max():.3f}."
    )


if __name__ == "__main__":
    main()
