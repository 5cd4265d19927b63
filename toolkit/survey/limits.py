"""The raking defaults, apart from the weighting code so the command line can show them without loading numpy and pandas."""

DEFAULT_TOL = 1e-10  # relative error of every margin
DEFAULT_MAX_ITER = 1000  # sweeps over all margins
