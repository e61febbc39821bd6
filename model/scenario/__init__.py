"""Where a scenario is read: organisation and case files, validated field by field.

Every problem is raised as :class:`~model.errors.InputError` naming the file, the field, what is wrong
and what is allowed. The format is documented in ``docs/scenario-format.md``.

``types``         the domain types (Case, Fact, Observed, Organisation, MemberProfile, Measure, ...)
``organisation``  the organisation file's schema (load_organisation)
``case``          the case file's schema (load_scenario) and the vocabulary of facts
``discovery``     the scenarios folder, case ids, the organisation a case names, the cache
``whatif``        with_facts: a case with some facts replaced
"""

from ..files.fields import format_date
from ..files.formats import CASE_FORMAT, ORGANISATION_FORMAT
from ..files.yamlsafe import MAX_FILE_BYTES, read_yaml
from .case import (
    ALL_FACTS,
    CATEGORIES,
    DEFAULT_FACTS,
    NAMES,
    NUMERIC,
    REQUIRED_FACTS,
    WHATIF_ONLY_FACTS,
    load_scenario,
)
from .discovery import find_organisation, list_case_files, resolve_scenario, scenarios_root
from .organisation import REGIMES, REGIONS, load_organisation
from .types import (
    MEMBER_KEYS,
    Capability,
    CapabilityState,
    Case,
    Fact,
    Measure,
    MemberProfile,
    Observed,
    ObservedReason,
    Organ,
    Organisation,
)
from .whatif import with_facts

__all__ = [
    "ALL_FACTS", "CASE_FORMAT", "CATEGORIES", "DEFAULT_FACTS", "MAX_FILE_BYTES", "MEMBER_KEYS", "NAMES", "NUMERIC",
    "ORGANISATION_FORMAT", "REGIMES", "REGIONS", "REQUIRED_FACTS", "WHATIF_ONLY_FACTS", "Capability",
    "CapabilityState", "Case", "Fact", "Measure", "MemberProfile", "Observed", "ObservedReason", "Organ", "Organisation",
    "find_organisation",
    "format_date", "list_case_files", "load_organisation", "load_scenario", "read_yaml", "resolve_scenario",
    "scenarios_root", "with_facts",
]
