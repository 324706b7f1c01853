"""The screening aid: measurements plus a therapist's checklist -> a short, careful summary.

A camera sees posture, tremor, jerks and range of motion; it cannot see how the complaint behaves
over days, what started it, or what makes it better or worse. Those questions (from the clinical
reference, ``CLINICAL.md``) are asked in a checklist beside the measurements, and
:func:`screening_summary` combines both into a summary a therapist can act on: either "these
findings are consistent with a neurological cause; consider referral to a neurologist or a
movement-disorder specialist", or "they fit plain muscle tension better", or "not enough to say",
always with the findings that drove it and the words "screening aid, not a diagnosis".

A red flag answered "yes" means: refer promptly, whatever the measurements show.

This module only interprets the result dictionary (``Analysis.to_dict()``) and the answers; it
measures nothing. It has no Streamlit dependency, so the CLI and the tests can use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from posture.result import as_number, get_in

DISCLAIMER = (
    "Screening and tracking aid, not a diagnosis: it summarises measurements and the answers given "
    "to help decide on a referral. Only a clinician's examination can diagnose cervical dystonia."
)

# The TWSTRS item "time the head is held within 10 degrees of neutral" makes 10 degrees the line
# between "about straight" and "deviated" (CLINICAL.md). Below it, a head can sit off-centre for
# ordinary reasons (camera placement, the person's build), so a smaller median is not a sign.
DEVIATION_DEG = 10.0
# Fewer than this share of frames with a face, or less than this much tracked head, and the
# measurements are too thin to count as findings on their own.
MIN_FACE_RATIO_FOR_FINDINGS = 0.5
MIN_TRACKED_S_FOR_FINDINGS = 5.0
# Neurological-pattern findings (measured or answered) needed before the summary says
# "consistent with a neurological cause": one finding alone may have an ordinary explanation.
MIN_FINDINGS_FOR_NEUROLOGICAL = 2
# "No" answers to the pattern questions needed, with no measured sign, to say the picture fits
# plain muscle tension.
MIN_NO_ANSWERS_FOR_TENSION = 4
# A shoulder counts as a screening finding from this height difference (cm). The shoulders
# section calls shoulders "level" below 1 cm (landmark noise); between 1 and 2 cm a difference is
# within everyday asymmetry and the ±7 % scale error of centimetres from the eye distance, and the
# TWSTRS item is judged by eye, where a raised shoulder is plainly visible.
SHOULDER_FINDING_CM = 2.0


@dataclass(frozen=True)
class Question:
    """One checklist question. ``key`` names it in the answers; ``help`` says why it is asked."""

    key: str
    text: str
    help: str
    finding: str  # the words used in the summary when the answer is "yes"


# "Yes" points toward a neurological cause; "no" toward plain muscle tension (CLINICAL.md).
PATTERN_QUESTIONS: tuple[Question, ...] = (
    Question(
        "involuntary_pull",
        "Does the head pull, turn, jerk or shake by itself, against the client's will?",
        "Plain muscle tension has no involuntary pull or movement.",
        "the head pulls or moves involuntarily (reported)",
    ),
    Question(
        "massage_brief_relief",
        "Does relief from massage last only minutes, not days?",
        "Muscle tension usually stays better for days after massage.",
        "massage brings relief for minutes only",
    ),
    Question(
        "therapy_worsens",
        "Do physical therapy or stretching make it worse?",
        "Muscle tension usually improves with physical therapy and stretching.",
        "physical therapy or stretching makes it worse",
    ),
    Question(
        "fluctuates",
        "Does it change during the day: worse in public, under stress or with poor sleep; better "
        "alone, relaxed, when dancing or after alcohol?",
        "Muscle tension stays about the same through the day.",
        "symptoms fluctuate with situation, stress, sleep or alcohol",
    ),
    Question(
        "sensory_trick",
        "Does a light touch on the chin or face ease the pull (a 'sensory trick')?",
        "A sensory trick (geste antagoniste) is typical of dystonia.",
        "a light touch eases the pull (sensory trick)",
    ),
    Question(
        "other_neurological",
        "Other neurological symptoms: tremor elsewhere, nausea, migraine, dizziness, fatigue, "
        "vision problems?",
        "Plain muscle tension comes with no other neurological symptom.",
        "other neurological symptoms are reported",
    ),
    Question(
        "slow_progression",
        "Has it worsened slowly, from mild tension toward a fixed posture?",
        "Slow progression to a fixed posture is a typical course of cervical dystonia.",
        "slow worsening toward a fixed posture",
    ),
    Question(
        "onset_trigger",
        "Did it start after exhaustion, stress, emotional trauma, surgery, a mild concussion, an "
        "infection (COVID-19 included) or a new medication (antidepressants, antipsychotics)?",
        "These are reported triggers of cervical dystonia.",
        "onset after a typical trigger (exhaustion, stress, trauma, surgery, infection, medication)",
    ),
)

# Any "yes": refer promptly, whatever the measurements say (CLINICAL.md, red flags).
RED_FLAG_QUESTIONS: tuple[Question, ...] = (
    Question(
        "sudden_onset",
        "Did it start suddenly, over hours or days?",
        "Sudden onset needs prompt medical assessment.",
        "sudden onset over hours or days",
    ),
    Question(
        "after_injury",
        "Did it start right after a neck or head injury?",
        "Onset right after an injury needs prompt medical assessment.",
        "onset right after a neck or head injury",
    ),
    Question(
        "fixed_posture",
        "Is the posture fixed, so that no movement or touch changes it?",
        "A posture that nothing changes needs prompt medical assessment.",
        "a fixed posture that no movement or touch changes",
    ),
    Question(
        "childhood_onset",
        "Did it start in childhood?",
        "Onset in childhood needs prompt specialist assessment.",
        "onset in childhood",
    ),
    Question(
        "dopamine_blocker",
        "Did it start after beginning a dopamine-blocking drug (antipsychotics, some anti-nausea "
        "drugs such as metoclopramide)?",
        "A drug-induced movement disorder needs prompt medical review.",
        "onset after starting a dopamine-blocking drug",
    ),
    Question(
        "spread",
        "Has it spread to the face, an arm or the trunk?",
        "Spread beyond the neck needs prompt specialist assessment.",
        "spread to the face, an arm or the trunk",
    ),
    Question(
        "double_vision",
        "Is there double vision?",
        "A head tilt can compensate for an eye-muscle palsy.",
        "double vision",
    ),
)

ALL_QUESTIONS: tuple[Question, ...] = PATTERN_QUESTIONS + RED_FLAG_QUESTIONS


@dataclass(frozen=True)
class ScreeningSummary:
    """The screening aid's conclusion.

    ``consistent_with_neurological_cause``: True = the findings are consistent with a neurological
    cause (consider referral); False = they fit plain muscle tension better; None = not enough to
    say. ``refer_promptly``: a red flag was answered "yes". ``headline``: one or two sentences.
    ``drivers``: the findings that drove the conclusion, in words. ``caveats``: what limits it
    (measurement quality, unanswered questions). ``disclaimer``: always shown with it.
    """

    consistent_with_neurological_cause: bool | None
    refer_promptly: bool
    headline: str
    drivers: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    disclaimer: str = DISCLAIMER


POSTURE_SIGNS = {
    "rotation": ("head turned", "chin to the patient's left", "chin to the patient's right"),
    "tilt": ("head tilted", "left ear toward the left shoulder", "right ear toward the right shoulder"),
    "flexion": ("head bent", "chin down, flexion", "chin up, extension"),
}


def measured_findings(result: Mapping[str, Any]) -> list[str]:
    """The measured signs of a neurological pattern in an analysis result, in words.

    Reads the sections of ``Analysis.to_dict()`` (keys documented in :mod:`posture.metrics`):

    - a median head angle beyond :data:`DEVIATION_DEG` on any axis (a sustained abnormal posture);
    - a head tremor (``tremor.present``);
    - jerks (``jerks.count`` > 0);
    - a shoulder raised by :data:`SHOULDER_FINDING_CM` or more, and a lateral shift of the head,
      when those sections say so.

    Range of motion is shown on the dashboard but does not drive the screening: a stiff neck from
    plain muscle tension limits it too, and a clip without the protocol's turns reads as "reduced".
    Missing sections count as "not measured", never as "normal".
    """
    findings: list[str] = []
    posture = get_in(result, "posture") or {}
    for axis, (name, positive, negative) in POSTURE_SIGNS.items():
        value = as_number(get_in(posture, axis, "median_deg"))
        if value is None:
            value = as_number(posture.get(f"{axis}_deg"))
        if value is not None and abs(value) > DEVIATION_DEG:
            findings.append(
                f"{name} {abs(value):.0f}° ({positive if value > 0 else negative}), median over the clip"
            )

    tremor = get_in(result, "tremor") or {}
    if tremor.get("present") is True:
        freq = as_number(tremor.get("frequency_hz"))
        amp = as_number(tremor.get("amplitude_deg"))
        axis = tremor.get("axis")
        parts = [p for p in (f"{freq:.1f} Hz" if freq else None, f"{amp:.1f}°" if amp else None) if p]
        if isinstance(axis, str) and axis:
            parts.append(f"{axis} axis")
        findings.append("head tremor" + (f" ({', '.join(parts)})" if parts else ""))

    jerks = get_in(result, "jerks") or {}
    count = as_number(jerks.get("count"))
    if count is not None and count > 0:
        rate = as_number(jerks.get("rate_per_min"))
        findings.append(
            f"{int(count)} jerk{'s' if count != 1 else ''}" + (f" ({rate:.0f} per minute)" if rate else "")
        )

    shoulders = get_in(result, "shoulders") or {}
    elevation = as_number(shoulders.get("elevation_cm"))
    raised = elevation is not None and elevation >= SHOULDER_FINDING_CM
    if shoulders.get("available") is True and shoulders.get("higher") in ("left", "right") and raised:
        findings.append(f"the patient's {shoulders['higher']} shoulder raised by {elevation:.1f} cm")

    shift = get_in(result, "shift") or {}
    lateral = as_number(shift.get("lateral_cm"))
    if shift.get("available") is True and shift.get("present") is True and lateral is not None:
        side = "left" if lateral > 0 else "right"
        findings.append(f"head shifted {abs(lateral):.1f} cm to the patient's {side} (lateral shift)")
    return findings


def _quality_caveats(result: Mapping[str, Any]) -> list[str]:
    caveats = []
    quality = get_in(result, "quality") or {}
    ratio = as_number(quality.get("face_found_ratio"))
    tracked = as_number(quality.get("tracked_duration_s"))
    if ratio is not None and ratio < MIN_FACE_RATIO_FOR_FINDINGS:
        caveats.append(
            f"the face was found in only {ratio:.0%} of the frames: the measurements are uncertain"
        )
    if tracked is not None and tracked < MIN_TRACKED_S_FOR_FINDINGS:
        caveats.append(
            f"only {tracked:.1f} s of head movement was tracked: record 60–90 s (see the recording protocol)"
        )
    return caveats


def screening_summary(
    result: Mapping[str, Any] | None, answers: Mapping[str, bool | None] | None
) -> ScreeningSummary:
    """Combine the measurements and the checklist answers into a screening summary.

    Args:
        result: ``Analysis.to_dict()`` (or None when there is no analysis yet).
        answers: question key (see :data:`ALL_QUESTIONS`) -> True ("yes"), False ("no") or None
            (not asked / unknown). Unknown keys are ignored.

    Returns:
        A :class:`ScreeningSummary`. Rules, in order:

        1. Any red flag answered yes: ``refer_promptly`` and a headline that says to refer
           promptly, whatever the measurements show.
        2. At least :data:`MIN_FINDINGS_FOR_NEUROLOGICAL` findings of a neurological pattern
           (measured signs plus "yes" answers): consistent with a neurological cause.
        3. No such finding and at least :data:`MIN_NO_ANSWERS_FOR_TENSION` pattern questions
           answered "no": fits plain muscle tension better (not consistent).
        4. Otherwise: not enough to say (None), with what would settle it.
    """
    answers = dict(answers or {})
    red_flags = [q.finding for q in RED_FLAG_QUESTIONS if answers.get(q.key) is True]
    answered_yes = [q.finding for q in PATTERN_QUESTIONS if answers.get(q.key) is True]
    answered_no = [q for q in PATTERN_QUESTIONS if answers.get(q.key) is False]
    unanswered = [q for q in PATTERN_QUESTIONS if answers.get(q.key) is None]

    caveats_about_quality = _quality_caveats(result) if result else []
    caveats = list(caveats_about_quality)
    measured = measured_findings(result) if result else []
    if result is None:
        caveats.append("no video has been analysed: the summary rests on the answers alone")
    neuro = [f"measured: {m}" for m in measured] + [f"reported: {a}" for a in answered_yes]
    if unanswered:
        caveats.append(f"{len(unanswered)} of {len(PATTERN_QUESTIONS)} checklist questions are unanswered")

    measurements_usable = result is not None and not caveats_about_quality
    if len(neuro) >= MIN_FINDINGS_FOR_NEUROLOGICAL:
        consistent: bool | None = True
        headline = (
            "These findings are consistent with a neurological cause; consider referral to a "
            "neurologist or a movement-disorder specialist."
        )
        drivers = neuro
    elif not neuro and len(answered_no) >= MIN_NO_ANSWERS_FOR_TENSION and measurements_usable:
        consistent = False
        headline = (
            "These findings fit plain muscle tension better than a neurological cause: no sign of "
            "a neurological pattern was measured or reported. Re-screen if the picture changes."
        )
        drivers = ["measured: no head deviation, tremor or jerks beyond the screening thresholds"]
        drivers += [f"reported: no, {q.finding}" for q in answered_no]
    else:
        consistent = None
        if neuro:
            headline = (
                "One finding points toward a neurological cause, which is not enough on its own. "
                "Complete the checklist and re-record; if the sign persists, consider referral to a "
                "neurologist or a movement-disorder specialist."
            )
        elif result is None:
            headline = "Analyse a clip and answer the checklist to complete the screening."
        elif not measurements_usable:
            headline = (
                "No neurological sign was measured, but the recording is too limited to rely on. "
                "Re-record following the protocol and answer the checklist."
            )
        else:
            headline = "No neurological sign was measured. Answer the checklist to complete the screening."
        drivers = neuro

    refer_promptly = bool(red_flags)
    if refer_promptly:
        headline = "Refer promptly to a neurologist: a red flag was reported, whatever the measurements show."
        if consistent:
            headline += " The other findings are also consistent with a neurological cause."
        drivers = [f"red flag: {f}" for f in red_flags] + drivers
    return ScreeningSummary(
        consistent_with_neurological_cause=consistent,
        refer_promptly=refer_promptly,
        headline=headline,
        drivers=drivers,
        caveats=caveats,
    )
