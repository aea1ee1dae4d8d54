"""The models' enums exposed in GraphQL, each value described by its Chinese term."""

import enum

import strawberry

from domain.activity import Attendance
from models import (
    ActingLevel,
    ActivityAudience,
    ActivityState,
    ActivityType,
    AdditionMethod,
    BranchKind,
    CaseStatus,
    CheckInStatus,
    ContactChannel,
    Decision,
    DuesCategory,
    Education,
    FloatingState,
    FloatingStatus,
    Gender,
    MemberStatus,
    OrgLevel,
    OrgType,
    ParticipationStatus,
    PartyPost,
    PaymentChannel,
    PaymentKind,
    PlacementState,
    ResourceKind,
    ServiceMethod,
    ServiceStatus,
    Standing,
    SuggestionCategory,
    SuggestionStatus,
    TransferStatus,
)


def described(cls: type[enum.Enum], description: str) -> type[enum.Enum]:
    """Register `cls` as a GraphQL enum; each value's description is its Chinese term."""
    strawberry.enum(cls, description=description)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = cls[value.name].value
    return cls


described(OrgLevel, "Level of an organisation in the tree (市委 > 区县委 > 街道/乡镇 > …).")
described(OrgType, "The kind of unit an organisation is built in.")
described(BranchKind, "Special kinds of Party branch.")
described(Gender, "Gender (性别).")
described(Education, "Highest education level (学历).")
described(MemberStatus, "Position in the membership pipeline (发展党员 stages).")
described(DuesCategory, "Category that decides the Party dues band (党费).")
described(PartyPost, "Post held in the Party organisation (党内职务).")
described(FloatingStatus, "Floating-member status (流动党员).")
described(CheckInStatus, "Whether a community check-in is still in force.")
described(ServiceMethod, "三提三知: how a reporting member gets to know the neighbourhood.")
described(ServiceStatus, "Review status of a volunteer service record.")
described(PaymentChannel, "How dues were paid.")
described(PaymentKind, "A dues payment, or a reversing correction of one.")
described(ActingLevel, "Joint review tier (联审): branch → street/township → district.")
described(CaseStatus, "State of a development case.")
described(Decision, "Decision taken on a development step.")
described(FloatingState, "State of a floating spell (流动党员).")
described(PlacementState, "The host side of a floating spell: notified, routed, accepted.")
described(ContactChannel, "How a floating member was contacted (结对联系).")
described(SuggestionCategory, "What a symposium suggestion is about.")
described(SuggestionStatus, "State of a symposium suggestion (意见建议).")
described(Standing, "Standing on the roll (在册), or why a member left it (the archive stays).")
described(AdditionMethod, "How a member entered the archive (增加方式).")
described(TransferStatus, "Where a transfer of the membership relation stands (组织关系转接).")
described(ResourceKind, "The form of a study resource (课程, 文章, 视频).")
described(ActivityType, "The kind of an activity of organisational life (三会一课, 主题党日, …).")
described(
    ActivityState, "Where an activity stands: DRAFT → PUBLISHED → HELD → RECORDED, or CANCELLED."
)
described(ActivityAudience, "Who an activity is for.")
described(ParticipationStatus, "A member's answer to an activity: sign-up or leave.")
described(Attendance, "How a member's part in an activity counts.")
