"""Municipality-level model (seed 004 ch. 4): register outcomes joined with survey indicators,
a bivariate screen, stepwise OLS with forced controls, robustness (other outcome, HC SEs, VIF).

Entry points: `model_tables(register, surveys, spec, rules=policy)` → list[Table]; `run_model` for
the raw results; `spec_from_dict` validates a YAML config. With the run's disclosure `rules`, a
municipality whose register values they would hide is kept out of every estimate (`protect.py`).
No file access in this package.
"""

from toolkit.config.model import IndicatorSpec, ModelSpec, spec_from_dict
from toolkit.municipal.indicators import (
    Indicator,
    aggregate,
    indicator_frame,
    municipality_codes,
)
from toolkit.municipal.join import Joined, Variable, join, register_frame
from toolkit.municipal.model import ModelResult, ModelWarning, run_model, screen
from toolkit.municipal.ols import Fit, check_design, collinearity, ols, vif
from toolkit.municipal.protect import Rules
from toolkit.municipal.stepwise import Selection, Step, stepwise
from toolkit.municipal.tables import model_tables, result_tables

__all__ = [
    "Fit", "Indicator", "IndicatorSpec", "Joined", "ModelResult", "ModelSpec", "ModelWarning", "Rules", "Selection", "Step",
    "Variable", "aggregate", "check_design", "collinearity", "indicator_frame", "join", "model_tables",
    "municipality_codes", "ols", "register_frame", "result_tables", "run_model", "screen", "spec_from_dict",
    "stepwise", "vif",
]
