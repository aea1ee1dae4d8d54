"""SQLAlchemy 2 typed ORM models, one module per domain area."""

from models.account import Account, RoleGrant
from models.activity import (
    Activity,
    ActivityAudience,
    ActivityParticipant,
    ActivityState,
    ActivityType,
    ParticipationStatus,
)
from models.audit import AuditEntry
from models.base import Base, PathString
from models.checkin import (
    CheckIn,
    CheckInStatus,
    ServiceMethod,
    ServiceRecord,
    ServiceStatus,
    ServiceTeam,
    VolunteerPost,
)
from models.development import (
    ActingLevel,
    CaseStatus,
    Decision,
    DevelopmentCase,
    DevelopmentRecord,
    Holiday,
)
from models.dues import DuesBase, DuesMonth, DuesPayment, DuesRule, PaymentChannel, PaymentKind
from models.member import (
    DuesCategory,
    Education,
    FloatingStatus,
    Gender,
    Member,
    MemberStatus,
    PartyPost,
)
from models.org import BranchKind, Organization, OrgLevel, OrgType
from models.persisted import PersistedQuery
from models.ratelimit import RateWindow

__all__ = [
    "Account",
    "ActingLevel",
    "Activity",
    "ActivityAudience",
    "ActivityParticipant",
    "ActivityState",
    "ActivityType",
    "AuditEntry",
    "Base",
    "BranchKind",
    "CaseStatus",
    "CheckIn",
    "CheckInStatus",
    "Decision",
    "DevelopmentCase",
    "DevelopmentRecord",
    "DuesBase",
    "DuesCategory",
    "DuesMonth",
    "DuesPayment",
    "DuesRule",
    "Education",
    "FloatingStatus",
    "Gender",
    "Holiday",
    "Member",
    "MemberStatus",
    "OrgLevel",
    "OrgType",
    "Organization",
    "ParticipationStatus",
    "PartyPost",
    "PathString",
    "PaymentChannel",
    "PaymentKind",
    "PersistedQuery",
    "RateWindow",
    "RoleGrant",
    "ServiceMethod",
    "ServiceRecord",
    "ServiceStatus",
    "ServiceTeam",
    "VolunteerPost",
]
