"""MCR2030 Disaster Resilience Scorecard for Cities and stakeholder surveys.

The scorecard (UNDRR 2017) asks how well a city is organised for disaster resilience, Essential
by Essential; the surveys ask stakeholders how much each appraisal criterion matters. Together
they are the qualitative inputs of the appraisal: scorecard gaps become recommendations and
a feasibility (institutional-capacity) criterion; survey weights become weight profiles.
"""

from .io import (
    read_answers,
    read_csv,
    read_workbook,
    read_yaml,
    write_answers,
    write_csv,
    write_template,
    write_workbook,
    write_yaml,
)
from .model import SCORECARD_VERSION, Answer, Assessment
from .questions import (
    ESSENTIALS,
    LEVELS,
    SCALE,
    Essential,
    Question,
    essential,
    question,
    questions,
)
from .recommend import Recommendation, recommend
from .run import ScorecardRun, run_scorecards
from .scoring import (
    EssentialScore,
    Gap,
    ScoreResult,
    change,
    compare_cities,
    find_gaps,
    institutional_capacity,
    score_assessment,
)
from .survey import (
    WeightProfile,
    ahp_weights,
    consistency_ratio,
    geometric_mean_matrix,
    kendall_w,
    read_survey,
    read_surveys,
    survey_weights,
    write_weights,
)

__all__ = [
    "ESSENTIALS", "LEVELS", "SCALE", "SCORECARD_VERSION",
    "Answer", "Assessment", "Essential", "EssentialScore", "Gap", "Question", "Recommendation",
    "ScoreResult", "ScorecardRun", "WeightProfile",
    "ahp_weights", "change", "compare_cities", "consistency_ratio", "essential", "find_gaps",
    "geometric_mean_matrix", "institutional_capacity", "kendall_w", "question", "questions",
    "read_answers", "read_csv", "read_survey", "read_surveys", "read_workbook", "read_yaml",
    "recommend", "run_scorecards", "score_assessment", "survey_weights", "write_answers",
    "write_csv", "write_template", "write_weights", "write_workbook", "write_yaml",
]
