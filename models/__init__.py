"""SQLAlchemy 2 typed ORM models, one module per domain area."""

from models.account import Account, RoleGrant
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
from models.floating import (
    ContactChannel,
    FloatingContact,
    FloatingRecord,
    FloatingReport,
    FloatingState,
    PlacementState,
    Suggestion,
    SuggestionCategory,
    SuggestionStatus,
    Symposium,
    SymposiumAttendee,
)
from models.member import (
    AdditionMethod,
    DuesCategory,
    Education,
    FloatingStatus,
    Gender,
    Member,
    MemberStatus,
    PartyPost,
    Standing,
)
from models.org import BranchKind, Organization, OrgLevel, OrgType
from models.persisted import PersistedQuery
from models.ratelimit import RateWindow
from models.transfer import MemberTransfer, TransferStatus

__all__ = [
    "Account",
    "ActingLevel",
    "AdditionMethod",
    "AuditEntry",
    "Base",
    "BranchKind",
    "CaseStatus",
    "CheckIn",
    "CheckInStatus",
    "ContactChannel",
    "Decision",
    "DevelopmentCase",
    "DevelopmentRecord",
    "DuesBase",
    "DuesCategory",
    "DuesMonth",
    "DuesPayment",
    "DuesRule",
    "Education",
    "FloatingContact",
    "FloatingRecord",
    "FloatingReport",
    "FloatingState",
    "FloatingStatus",
    "Gender",
    "Holiday",
    "Member",
    "MemberStatus",
    "MemberTransfer",
    "OrgLevel",
    "OrgType",
    "Organization",
    "PartyPost",
    "PathString",
    "PaymentChannel",
    "PaymentKind",
    "PersistedQuery",
    "PlacementState",
    "RateWindow",
    "RoleGrant",
    "ServiceMethod",
    "ServiceRecord",
    "ServiceStatus",
    "ServiceTeam",
    "Standing",
    "Suggestion",
    "SuggestionCategory",
    "SuggestionStatus",
    "Symposium",
    "SymposiumAttendee",
    "TransferStatus",
    "VolunteerPost",
]
