"""Every model, imported for Alembic and ``create_all``. Application code imports the domain modules."""

from .attendance.models import Attendance
from .attendance.models import ExcusedAbsence
from .audit.models import AuditEntry
from .auth.models import User
from .certificates.models import Certificate
from .certificates.models import CertificateCounter
from .certificates.models import CertificateSettings
from .evaluation.models import EvaluationAnswer
from .evaluation.models import EvaluationForm
from .evaluation.models import EvaluationQuestion
from .evaluation.models import EvaluationResponse
from .events.models import Event
from .events.models import EventSession
from .events.models import EventStaff
from .events.models import Quota
from .events.models import Topic
from .jobs.models import Job
from .lecturers.models import Lecturer
from .mail.models import OutboxMessage
from .nominations.models import Invitation
from .nominations.models import LetterTemplate
from .organizations.models import Organization
from .privacy.models import DataRequest
from .registration.models import Registration

__all__ = [
    "Attendance",
    "AuditEntry",
    "Certificate",
    "CertificateCounter",
    "CertificateSettings",
    "DataRequest",
    "EvaluationAnswer",
    "EvaluationForm",
    "EvaluationQuestion",
    "EvaluationResponse",
    "Event",
    "ExcusedAbsence",
    "EventSession",
    "EventStaff",
    "Invitation",
    "Job",
    "Lecturer",
    "LetterTemplate",
    "Organization",
    "OutboxMessage",
    "Quota",
    "Registration",
    "Topic",
    "User",
]
