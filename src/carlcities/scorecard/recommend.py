"""Recommendations from scorecard gaps: each cites the score and the questions behind it.

A gap is an Essential whose share of the highest possible score is below the threshold
(``scorecard.gap_threshold``, default 0.5). Priority: ``high`` when the share is below 60 % of
the threshold (e.g. < 0.30 for 0.5), ``medium`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Assessment
from .questions import essential, question
from .scoring import Gap, ScoreResult, find_gaps, score_assessment

__all__ = ["ACTIONS", "Recommendation", "recommend"]

#: Essential -> (what to do, in English; in Russian)
ACTIONS: dict[int, tuple[str, str]] = {
    1: ("Set up or empower one coordinating body for disaster risk reduction, and write "
        "resilience goals into the city master plan and budget rules.",
        "Создать или усилить единый координационный орган по снижению риска бедствий и включить "
        "цели устойчивости в генеральный план и бюджетные правила."),
    2: ("Commission a multi-hazard risk assessment with hazard maps (earthquake, flood, "
        "mudflow, heat), map exposed people and assets, and publish the maps for planning.",
        "Провести комплексную оценку рисков с картами опасностей (землетрясение, паводок, сель, "
        "жара), нанести на карту подверженных людей и объекты и опубликовать карты для "
        "планирования."),
    3: ("Cost the resilience actions, create a protected budget line and a contingency fund, "
        "and review insurance of public assets.",
        "Оценить стоимость мер по устойчивости, создать защищённую статью бюджета и резервный "
        "фонд, пересмотреть страхование муниципального имущества."),
    4: ("Align zoning with the risk maps, keep new building out of high-risk zones, and "
        "strengthen code enforcement, including seismic inspection of construction.",
        "Привести зонирование в соответствие с картами рисков, не допускать новой застройки в "
        "зонах высокого риска и усилить контроль соблюдения норм, включая сейсмический "
        "надзор за строительством."),
    5: ("Map the protective ecosystems (river corridors, slopes, green areas) and protect them "
        "in the master plan, with upstream partners.",
        "Нанести на карту защитные экосистемы (речные коридоры, склоны, зелёные зоны) и "
        "закрепить их охрану в генеральном плане вместе с соседними территориями."),
    6: ("Build staff skills in risk assessment and planning, run annual training, and agree "
        "data sharing between agencies.",
        "Развивать навыки сотрудников в оценке рисков и планировании, проводить ежегодное "
        "обучение и договориться об обмене данными между ведомствами."),
    7: ("Organise neighbourhood preparedness groups, register vulnerable residents with their "
        "consent, and help businesses plan for continuity.",
        "Организовать соседские группы готовности, учесть уязвимых жителей с их согласия и "
        "помочь бизнесу подготовить планы непрерывности."),
    8: ("Assess critical infrastructure (water, power, heating, hospitals, schools) against "
        "the worst scenario and plan backup supply and strengthening.",
        "Оценить критическую инфраструктуру (вода, электричество, тепло, больницы, школы) "
        "для худшего сценария и запланировать резервирование и усиление."),
    9: ("Extend early warning to the whole population, test the emergency plan in joint "
        "exercises, and stock equipment and shelter for the worst scenario.",
        "Распространить раннее оповещение на всё население, проверить план реагирования на "
        "совместных учениях и создать запасы оборудования и мест размещения на худший "
        "случай."),
    10: ("Prepare a recovery plan before any disaster, with build-back-better rules and "
         "support for livelihoods.",
         "Заранее подготовить план восстановления с правилами «лучше, чем было» и поддержкой "
         "доходов населения."),
}


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: what to do, why (the cited scores) and how urgent."""

    id: str
    city_id: str
    essential: int
    priority: str                      # high | medium
    text_en: str
    text_ru: str
    evidence_en: str
    evidence_ru: str
    question_ids: tuple[str, ...]
    score: int
    max_score: int
    share: float
    threshold: float
    assessment_date: str
    synthetic: bool = False

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "city_id": self.city_id, "essential": self.essential,
                "priority": self.priority, "text_en": self.text_en, "text_ru": self.text_ru,
                "evidence_en": self.evidence_en, "evidence_ru": self.evidence_ru,
                "question_ids": list(self.question_ids), "score": self.score,
                "max_score": self.max_score, "share": round(self.share, 4),
                "threshold": self.threshold, "assessment_date": self.assessment_date,
                "synthetic": self.synthetic}


def _evidence(g: Gap, top: int) -> tuple[str, str]:
    e = essential(g.essential)
    cited = ", ".join(f"{q} = {s}/{top}" for q, s in zip(g.question_ids, g.question_scores))
    topics_en = "; ".join(dict.fromkeys(question(q).topic_en for q in g.question_ids))
    topics_ru = "; ".join(dict.fromkeys(question(q).topic_ru for q in g.question_ids))
    pct = f"{100 * g.share:.0f} %"
    lim = f"{100 * g.threshold:.0f} %"
    en = (f"Essential {g.essential} ({e.name_en}) scored {g.score} of {g.max_score} ({pct}, "
          f"below the {lim} threshold) in the assessment of {g.assessment_date.isoformat()}; "
          f"weakest: {cited} ({topics_en}).")
    ru = (f"Раздел {g.essential} («{e.name_ru}»): {g.score} из {g.max_score} ({pct}, ниже порога "
          f"{lim}) по оценке от {g.assessment_date.isoformat()}; слабее всего: {cited} "
          f"({topics_ru}).")
    return en, ru


def recommend(a: Assessment, result: ScoreResult | None = None, threshold: float = 0.5
              ) -> list[Recommendation]:
    """One recommendation per gap (Essential below ``threshold``), weakest Essential first."""
    r = result or score_assessment(a)
    out = []
    for g in find_gaps(a, r, threshold):
        en, ru = _evidence(g, a.max_score)
        act_en, act_ru = ACTIONS[g.essential]
        out.append(Recommendation(
            f"scorecard.{a.city_id}.e{g.essential}", a.city_id, g.essential,
            "high" if g.share < 0.6 * threshold else "medium", act_en, act_ru, en, ru,
            g.question_ids, g.score, g.max_score, g.share, threshold,
            a.assessment_date.isoformat(), a.synthetic))
    return out
