"""The version string and every file format's name, defined once.

A file's ``format:`` (input) or a folder's ``manifest.json`` ``format`` (output) names one of these; a
reader refuses any other. ``pyproject.toml`` takes the package version from :data:`VERSION`.
"""

VERSION = "0.1.0"

# -- input files -----------------------------------------------------------------------------------
CASE_FORMAT = "csto-sim/case-1"
ORGANISATION_FORMAT = "csto-sim/organisation-1"
EXPERIMENT_FORMAT = "csto-sim/experiment-1"

# -- output folders (the format of their manifest) ---------------------------------------------------
RUN_FORMAT = "csto-sim/run-1"
SWEEP_FORMAT = "csto-sim/sweep-1"
CALIBRATION_FORMAT = "csto-sim/calibration-1"
VALIDATION_FORMAT = "csto-sim/validation-2"
ANALYSIS_FORMAT = "csto-sim/analysis-1"

#: The file that says what a results folder holds and how it was made.
MANIFEST = "manifest.json"

#: The files of a run folder (``csto-sim run --out``); ``figures`` is where ``csto-sim plot`` draws by default.
RUN_FILES = frozenset({"replications.parquet", "summary.json", "trace.json", MANIFEST})
RUN_FIGURES = "figures"

#: The formats a figure is saved in (``--format``).
FIGURE_FORMATS = ("png", "svg", "pdf")
