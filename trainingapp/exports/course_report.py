"""The figures of the course report (báo cáo kết quả tổ chức lớp tập huấn), gathered into one
:class:`CourseReport` that :mod:`.report_docx` renders.

The attendance figures are the attendance report's (:func:`.report.attendance_report`), so the
DOCX, the report page and ``report.xlsx`` agree: *registered*, *confirmed* and *attended* mean the
same everywhere. Per session, the marks (present, late, excused absence) come from
:mod:`trainingapp.attendance.marks`; an unexcused absence is a confirmed participant with no
check-in and no excuse for that session. Invitations belong to the nominations package, a
sibling exports may not import: the invited units are counted as the units with a quota
(``events.models.Quota``), "đơn vị được giao chỉ tiêu".

The report is an official document in Vietnamese whatever the interface language: the labels
are taken in the ``vi`` locale. Queries: a fixed handful plus three per :data:`MARK_CHUNK`
confirmed participants (the annexes' marks), never one per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import time

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..attendance.marks import Mark
from ..attendance.marks import excused_map
from ..attendance.marks import mark_counts
from ..attendance.marks import marks_for
from ..certificates.services import issued_counts
from ..common.text import clean
from ..common.text import text_sort_key
from ..evaluation.results import EvaluationSummary
from ..evaluation.results import summary as evaluation_summary
from ..events.documents import Issuer
from ..events.documents import course_subject
from ..events.documents import issuer_of
from ..events.documents import lecturer_text
from ..events.labels import session_label
from ..events.models import Event
from ..events.models import EventSession
from ..events.models import Quota
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..organizations.services import KIND_LABELS
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from .filters import signin_sheet_order
from .report import AttendanceReport
from .report import attendance_report
from .rows import course_sessions

#: the audit action of a course report download
COURSE_REPORT_EXPORT = "course_report.export"

#: confirmed participants whose marks are read in one go (keeps ``IN (...)`` lists short)
MARK_CHUNK = 500

#: a session's cell in the sign-in annex, per mark (the annex prints the legend)
MARK_SYMBOLS = {Mark.PRESENT: "x", Mark.LATE: "M", Mark.EXCUSED: "P", Mark.ABSENT: "V"}
MARK_LEGEND = "x: có mặt; M: đi muộn; P: vắng có phép; V: vắng không phép"


@dataclass(frozen=True)
class AgendaTopic:
    title: str
    lecturers: list[str]  # "Thượng tá Nguyễn Văn A, Phó Chỉ huy trưởng"


@dataclass(frozen=True)
class AgendaSession:
    label: str  # "Sáng 16/08/2023"
    day: date
    start: time | None  # None: the topics not given a session
    end: time | None
    topics: list[AgendaTopic]


@dataclass(frozen=True)
class LecturerLine:
    text: str  # rank, name, position
    organization: str


@dataclass(frozen=True)
class SessionFigures:
    label: str
    time: str
    expected: int  # confirmed participants
    present: int  # on time
    late: int
    excused: int
    absent: int  # confirmed, neither checked in nor excused

    @property
    def attended(self) -> int:
        return self.present + self.late


@dataclass
class KindFigures:
    label: str
    quota_units: int = 0  # units of this kind with a quota
    quota_seats: int = 0
    registered: int = 0
    confirmed: int = 0
    attended: int = 0

    @property
    def rate(self) -> float | None:
        return self.attended / self.confirmed if self.confirmed else None


@dataclass(frozen=True)
class AbsentUnit:
    """A unit with a quota that nobody of came to any session."""

    name: str
    kind: str
    quota: int
    registered: int  # active registrations of the unit (0: nobody was sent)


@dataclass(frozen=True)
class SigninLine:
    """Annex 1: a confirmed participant and a mark symbol per session."""

    number: int
    full_name: str
    organization: str
    position: str
    marks: list[str]


@dataclass(frozen=True)
class MissedSession:
    label: str
    excused: bool
    reason: str


@dataclass(frozen=True)
class AbsenteeLine:
    """Annex 2: a confirmed participant absent from at least one session."""

    number: int
    full_name: str
    organization: str
    missed: list[MissedSession]


@dataclass(frozen=True)
class EvaluationFigures:
    """The evaluation's summary as the report prints it (see :func:`evaluation_figures`)."""

    responses: int
    eligible: int
    rate: float | None  # responses / eligible
    overall: float | None  # None: hidden (fewer than 5 answers)
    sections: list[tuple[str, float | None]] = field(default_factory=list)
    lecturers: list[tuple[str, float | None]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    #: approved comments not quoted (the report quotes a few distinct ones)
    comments_more: int = 0


#: approved comments the report quotes; the rest are in the evaluation results
QUOTED_COMMENTS = 8


@dataclass(frozen=True)
class CertificateFigures:
    issued: int  # valid certificates
    revoked: int


@dataclass
class CourseReport:
    event_id: int
    title: str
    subject: str  # the title as it follows "lớp tập huấn"
    description: str
    issuer: Issuer
    co_organizers: list[str]
    start_date: date
    end_date: date
    venue: str
    agenda: list[AgendaSession]
    lecturers: list[LecturerLine]
    quota_units: int  # đơn vị được giao chỉ tiêu
    quota_seats: int
    registered: int
    confirmed: int
    attended: int  # checked in to at least one session
    units: int  # units with at least one registration
    sessions: list[SessionFigures]
    kinds: list[KindFigures]
    kinds_total: KindFigures
    absent_units: list[AbsentUnit]
    signin: list[SigninLine]
    absentees: list[AbsenteeLine]
    session_labels: list[str]
    evaluation: EvaluationFigures | None = None
    certificates: CertificateFigures | None = None


# --- after the course: evaluation and certificates ---------------------------------------------


def _after_course(
    event: Event,
) -> tuple[EvaluationFigures | None, CertificateFigures | None]:
    """The evaluation's summary (None while nobody has answered) and the certificates issued
    (None while none was)."""
    summary = evaluation_summary(event)
    issued, revoked = issued_counts(event.id)
    return (
        evaluation_figures(summary) if summary.responses else None,
        CertificateFigures(issued, revoked) if issued or revoked else None,
    )


def evaluation_figures(summary: EvaluationSummary) -> EvaluationFigures:
    """The report's view of the evaluation's summary: responses, eligible, rate, overall
    average (None while hidden), per-section and per-lecturer averages, and a few of the approved
    comments (the same words given by several people are quoted once)."""
    distinct = list(
        dict.fromkeys(text for text in (clean(c.text) for c in summary.comments) if text)
    )
    return EvaluationFigures(
        responses=summary.responses,
        eligible=summary.eligible,
        rate=summary.rate,
        overall=summary.overall_average,
        sections=[(clean(s.label), s.average) for s in summary.section_averages],
        lecturers=[(clean(x.name), x.average) for x in summary.lecturer_averages],
        comments=distinct[:QUOTED_COMMENTS],
        comments_more=max(0, len(distinct) - QUOTED_COMMENTS),
    )


# --- gathering --------------------------------------------------------------------------------


def _time_range(event_session: EventSession) -> str:
    return f"{event_session.start_time:%H:%M}–{event_session.end_time:%H:%M}"


def _agenda(event: Event) -> tuple[list[AgendaSession], list[LecturerLine]]:
    agenda = []
    lecturers: dict[int, LecturerLine] = {}
    for event_session in event.sessions:
        topics = []
        for topic in event_session.topics:
            topics.append(AgendaTopic(topic.title, [lecturer_text(x) for x in topic.lecturers]))
            for lecturer in topic.lecturers:
                unit = lecturer.organization.name if lecturer.organization else ""
                lecturers.setdefault(lecturer.id, LecturerLine(lecturer_text(lecturer), unit))
        agenda.append(
            AgendaSession(
                session_label(event_session),
                event_session.date,
                event_session.start_time,
                event_session.end_time,
                topics,
            )
        )
    # Topics not (yet) given a session still belong to the course's content.
    loose = [t for t in event.topics if t.session_id is None]
    if loose:
        agenda.append(
            AgendaSession(
                "Chuyên đề khác",
                event.start_date,
                None,
                None,
                [AgendaTopic(t.title, [lecturer_text(x) for x in t.lecturers]) for t in loose],
            )
        )
        for topic in loose:
            for lecturer in topic.lecturers:
                unit = lecturer.organization.name if lecturer.organization else ""
                lecturers.setdefault(lecturer.id, LecturerLine(lecturer_text(lecturer), unit))
    return agenda, list(lecturers.values())


def _quotas(event_id: int) -> list[tuple[str, OrganizationKind, int]]:
    rows = db.session.execute(
        select(Organization.name, Organization.kind, Quota.seats)
        .join(Organization, Organization.id == Quota.organization_id)
        .where(Quota.event_id == event_id, Quota.seats > 0)
    ).all()
    return [(name, OrganizationKind(kind), int(seats)) for name, kind, seats in rows]


def _kinds(
    figures: AttendanceReport, quotas: list[tuple[str, OrganizationKind, int]]
) -> tuple[list[KindFigures], KindFigures]:
    by_label: dict[str, KindFigures] = {}
    for line in figures.kinds:
        by_label[line.label] = KindFigures(
            line.label, registered=line.registered, confirmed=line.confirmed, attended=line.attended
        )
    for _name, kind, seats in quotas:
        label = str(KIND_LABELS[kind])
        target = by_label.setdefault(label, KindFigures(label))
        target.quota_units += 1
        target.quota_seats += seats
    order = {str(label): i for i, label in enumerate(KIND_LABELS.values())}
    kinds = sorted(by_label.values(), key=lambda k: order.get(k.label, len(order)))
    total = KindFigures(
        "Tổng cộng",
        quota_units=sum(k.quota_units for k in kinds),
        quota_seats=sum(k.quota_seats for k in kinds),
        registered=figures.total.registered,
        confirmed=figures.total.confirmed,
        attended=figures.total.attended,
    )
    return kinds, total


def _absent_units(
    figures: AttendanceReport, quotas: list[tuple[str, OrganizationKind, int]]
) -> list[AbsentUnit]:
    # Unit names are unique (``Organization.name_key``), so the report's lines match by name.
    units = {line.label: line for line in figures.units}
    absent = []
    for name, kind, seats in quotas:
        line = units.get(name)
        if line is None or line.attended == 0:
            registered = line.registered if line is not None else 0
            absent.append(AbsentUnit(name, str(KIND_LABELS[kind]), seats, registered))
    absent.sort(key=lambda unit: text_sort_key(unit.name))
    return absent


def _participants(
    event_id: int, sessions: list[EventSession]
) -> tuple[list[SigninLine], list[AbsenteeLine], dict[int, int]]:
    """The annexes' rows (confirmed participants in the sign-in sheet's order) and, per session,
    the confirmed participants with neither a check-in nor an excuse."""
    rows = db.session.execute(
        select(Registration.id, Registration.full_name, Organization.name, Registration.position)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(*signin_sheet_order())
    ).all()
    labels = {s.id: session_label(s) for s in sessions}
    signin: list[SigninLine] = []
    absentees: list[AbsenteeLine] = []
    absent = {s.id: 0 for s in sessions}
    for start in range(0, len(rows), MARK_CHUNK):
        chunk = rows[start : start + MARK_CHUNK]
        ids = [row[0] for row in chunk]
        marks = marks_for(ids)
        excuses = excused_map(ids)
        for offset, (reg_id, full_name, unit, position) in enumerate(chunk):
            number = start + offset + 1
            own = marks.get(reg_id, {})
            symbols = []
            missed = []
            for event_session in sessions:
                mark = own.get(event_session.id, Mark.ABSENT)
                symbols.append(MARK_SYMBOLS[mark])
                if mark is Mark.ABSENT:
                    absent[event_session.id] += 1
                if not mark.attended:
                    excuse = excuses.get(reg_id, {}).get(event_session.id)
                    missed.append(
                        MissedSession(
                            labels[event_session.id],
                            mark is Mark.EXCUSED,
                            clean(excuse.reason) if excuse is not None else "",
                        )
                    )
            signin.append(SigninLine(number, full_name, unit or "", position or "", symbols))
            if missed:
                absentees.append(AbsenteeLine(len(absentees) + 1, full_name, unit or "", missed))
    return signin, absentees, absent


def course_report(event: Event) -> CourseReport:
    """Everything the course report states about ``event``, in Vietnamese."""
    with force_locale("vi"):
        figures = attendance_report(event)
        sessions = course_sessions(event.id)
        counts = mark_counts(event.id)
        quotas = _quotas(event.id)
        kinds, kinds_total = _kinds(figures, quotas)
        absent_units = _absent_units(figures, quotas)
        signin, absentees, absent = _participants(event.id, sessions)
        agenda, lecturers = _agenda(event)
        evaluation, certificates = _after_course(event)
        no_unit = _("No organization")  # the attendance report's line of people without a unit
        return CourseReport(
            event_id=event.id,
            title=event.title,
            subject=course_subject(event.title),
            description=event.description or "",
            issuer=issuer_of(event),
            co_organizers=[unit.name for unit in event.co_organizers],
            start_date=event.start_date,
            end_date=event.end_date,
            venue=event.venue,
            agenda=agenda,
            lecturers=lecturers,
            quota_units=len(quotas),
            quota_seats=sum(seats for _, _, seats in quotas),
            registered=figures.total.registered,
            confirmed=figures.total.confirmed,
            attended=figures.total.attended,
            units=sum(1 for line in figures.units if line.registered and line.label != no_unit),
            sessions=[
                SessionFigures(
                    label=session_label(s),
                    time=_time_range(s),
                    expected=figures.total.confirmed,
                    present=counts.get(s.id, {}).get(Mark.PRESENT, 0),
                    late=counts.get(s.id, {}).get(Mark.LATE, 0),
                    excused=counts.get(s.id, {}).get(Mark.EXCUSED, 0),
                    absent=absent.get(s.id, 0),
                )
                for s in sessions
            ],
            kinds=kinds,
            kinds_total=kinds_total,
            absent_units=absent_units,
            signin=signin,
            absentees=absentees,
            session_labels=[session_label(s) for s in sessions],
            evaluation=evaluation,
            certificates=certificates,
        )
