"""The catalogue of scorecard questions, in the project's own words (English and Russian).

The structure follows the UNDRR *Disaster Resilience Scorecard for Cities* (2017, MCR2030):
the Ten Essentials; a **preliminary** level of 47 questions scored 0–3 and a **detailed** level
of 117 criteria scored 0–5. The wording here is carlcities' own paraphrase of what each item
asks about — it is not the official text. Cities that hold the official workbook can import it
(:func:`carlcities.scorecard.io.read_workbook`): answers are matched by question id.

Ids: ``P<essential>.<n>`` (preliminary, e.g. ``P2.1``) and ``D<essential>.<topic>.<n>``
(detailed, e.g. ``D2.1.3``). The questions themselves, with their topics in both languages,
are the packaged table ``src/carlcities/data/scorecard_questions.csv`` (one row per question).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..errors import ScorecardError

__all__ = [
    "ESSENTIALS", "LEVELS", "SCALE", "Essential", "Question", "essential", "question",
    "questions",
]

#: level -> highest score of an answer
LEVELS: dict[str, int] = {"preliminary": 3, "detailed": 5}


@dataclass(frozen=True)
class Essential:
    """One of the Ten Essentials for Making Cities Resilient."""

    number: int
    name_en: str
    name_ru: str
    short_en: str
    short_ru: str


ESSENTIALS: tuple[Essential, ...] = (
    Essential(1, "Organise for disaster resilience", "Организация работы по устойчивости",
              "Organisation", "Организация"),
    Essential(2, "Identify, understand and use current and future risk scenarios",
              "Выявление, понимание и использование сценариев текущих и будущих рисков",
              "Risk scenarios", "Сценарии рисков"),
    Essential(3, "Strengthen financial capacity for resilience",
              "Укрепление финансового потенциала для устойчивости", "Finance", "Финансы"),
    Essential(4, "Pursue resilient urban development and design",
              "Устойчивое градостроительство и проектирование", "Urban development",
              "Градостроительство"),
    Essential(5, "Safeguard natural buffers to enhance the protective functions of ecosystems",
              "Сохранение природных буферов и защитных функций экосистем", "Natural buffers",
              "Природные буферы"),
    Essential(6, "Strengthen institutional capacity for resilience",
              "Укрепление институционального потенциала", "Institutional capacity",
              "Институциональный потенциал"),
    Essential(7, "Understand and strengthen societal capacity for resilience",
              "Понимание и укрепление потенциала общества", "Societal capacity",
              "Потенциал общества"),
    Essential(8, "Increase infrastructure resilience", "Повышение устойчивости инфраструктуры",
              "Infrastructure", "Инфраструктура"),
    Essential(9, "Ensure effective disaster response",
              "Обеспечение эффективного реагирования на бедствия", "Response", "Реагирование"),
    Essential(10, "Expedite recovery and build back better",
              "Ускорение восстановления и «лучше, чем было»", "Recovery", "Восстановление"),
)

#: level -> score -> (meaning in English, in Russian); the general reading of each score
SCALE: dict[str, dict[int, tuple[str, str]]] = {
    "preliminary": {
        0: ("nothing in place", "ничего не сделано"),
        1: ("some elements exist, with large gaps", "есть отдельные элементы, много пробелов"),
        2: ("mostly in place, some gaps remain", "в основном сделано, есть пробелы"),
        3: ("fully in place and working", "полностью сделано и работает"),
    },
    "detailed": {
        0: ("absent", "отсутствует"),
        1: ("planned or begun in a small part", "запланировано или начато в малой части"),
        2: ("partly in place, large gaps", "частично, крупные пробелы"),
        3: ("in place for about half of what is needed", "примерно наполовину"),
        4: ("mostly in place, minor gaps", "в основном, мелкие пробелы"),
        5: ("complete, tested and kept up to date", "полностью, проверено и актуально"),
    },
}


@dataclass(frozen=True)
class Question:
    """One scorecard item: ``id``, ``level``, Essential, topic, wording and highest score."""

    id: str
    level: str
    essential: int
    topic_en: str
    topic_ru: str
    text_en: str
    text_ru: str

    @property
    def max_score(self) -> int:
        return LEVELS[self.level]


QUESTIONS_PATH = "data/scorecard_questions.csv"  #: inside the package: one row per question
_FIELDS = ("id", "level", "essential", "topic_en", "topic_ru", "text_en", "text_ru")


@cache
def _catalogue() -> dict[str, tuple[Question, ...]]:
    """The packaged questions by level, in file order (P1.1 … P10.n, then D1.1.1 …)."""
    import csv
    import io

    from .._datafiles import read_data_text

    text, origin = read_data_text(None, QUESTIONS_PATH, "scorecard questions")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != _FIELDS:
        raise ScorecardError("the question catalogue has the wrong columns", path=origin,
                             fix=f"give the columns {', '.join(_FIELDS)}")
    out: dict[str, list[Question]] = {lv: [] for lv in LEVELS}
    for n, r in enumerate(rows, start=2):
        if r["level"] not in out or not r["essential"].isdigit():
            raise ScorecardError(f"line {n}: level {r['level']!r}, essential {r['essential']!r}",
                                 path=origin, fix="use a known level and an Essential 1–10")
        out[r["level"]].append(Question(r["id"], r["level"], int(r["essential"]), r["topic_en"],
                                        r["topic_ru"], r["text_en"], r["text_ru"]))
    return {lv: tuple(qs) for lv, qs in out.items()}


@cache
def _by_id() -> dict[str, Question]:
    return {q.id: q for qs in _catalogue().values() for q in qs}


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ScorecardError(f"unknown scorecard level {level!r}",
                             fix="use 'preliminary' (47 questions, 0-3) or 'detailed' "
                                 "(117 criteria, 0-5)")
    return level


def questions(level: str = "preliminary", essential: int | None = None) -> tuple[Question, ...]:
    """The questions of a level (``preliminary`` or ``detailed``), optionally of one Essential."""
    qs = _catalogue()[_check_level(level)]
    return qs if essential is None else tuple(q for q in qs if q.essential == essential)


def question(qid: str) -> Question:
    """The question with this id; raises :class:`ScorecardError` naming near ids."""
    key = qid.strip().upper()
    if key in _by_id():
        return _by_id()[key]
    import difflib

    near = difflib.get_close_matches(key, list(_by_id()), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    raise ScorecardError(f"unknown question id {qid!r}",
                         fix=f"{hint}ids look like P2.1 (preliminary) or D2.1.3 (detailed); "
                             "`carlcities scorecard template` lists them all")


def is_question(qid: str) -> bool:
    return qid.strip().upper() in _by_id()


def essential(number: int) -> Essential:
    """Essential ``number`` (1–10)."""
    if not 1 <= number <= 10:
        raise ScorecardError(f"there is no Essential {number}", fix="Essentials are 1 to 10")
    return ESSENTIALS[number - 1]
