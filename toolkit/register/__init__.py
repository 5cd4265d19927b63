"""Register outcomes from DREAM: monthly status, the CUBB target group and targets 1-2, NY CHANCE
goals, and the municipality/person frames the model and the profile use."""

from toolkit.register.cubb import cubb_tables
from toolkit.register.features import municipality_frame, person_frame
from toolkit.register.goals import goal_series, goal_tables, select_cohort
from toolkit.register.outcomes import register_tables, unknown_code_note
from toolkit.register.status import Status, monthly_status
from toolkit.register.target_group import Cohort, select_target_group

__all__ = [
    "Cohort", "Status", "cubb_tables", "goal_series", "goal_tables", "monthly_status", "municipality_frame",
    "person_frame", "register_tables", "select_cohort", "select_target_group", "unknown_code_note",
]
