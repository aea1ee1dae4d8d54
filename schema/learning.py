"""GraphQL types of learning and training (学习培训): study resources, online study, 结对送学,
training classes, a member's yearly hours and a branch's study board. Hours are given in
whole minutes (31.5 hours = 1890)."""

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import Row

from models import ResourceKind
from resolvers import learning as resolvers
from resolvers.context import Context
from resolvers.ids import pk_of, to_global_id
from resolvers.write import perform
from schema.relay import After, Before, Connection, First, Last, Node, connection, window
from schema.shared import INPUT, MemberRef, given, linked_member_of

YearArg = Annotated[
    int | None, strawberry.argument(description="The calendar year; the current one by default.")
]


@strawberry.type(
    description="A course, article or video (学习资源) published by the city or a district to "
    "its subtree."
)
class StudyResource(Node):
    kind: ResourceKind = strawberry.field(description="Course, article or video.")
    category: str = strawberry.field(description="Category, e.g. 理论学习, 党史, 基层治理.")
    title: str = strawberry.field(description="Title.")
    minutes: int = strawberry.field(description="Minutes of study it credits at most.")
    published_at: dt.datetime = strawberry.field(description="When it was published.")

    @classmethod
    def from_row(cls, row: Row) -> "StudyResource":
        return cls(
            id=strawberry.ID(to_global_id("StudyResource", row.id)),
            kind=row.kind,
            category=row.category,
            title=row.title,
            minutes=row.minutes,
            published_at=row.published_at,
        )


async def resource_node(ctx: Context, pk: int) -> StudyResource | None:
    row = await resolvers.get_resource(ctx, pk)
    return StudyResource.from_row(row) if row else None


@strawberry.type(description="One online study session, as credited.")
class StudySession(Node):
    started_at: dt.datetime = strawberry.field(description="When it started.")
    ended_at: dt.datetime = strawberry.field(description="The latest moment reported.")
    completed: bool = strawberry.field(description="The resource was completed.")
    credited_minutes: int = strawberry.field(
        description="Minutes it credited: its time not already covered by another session, "
        "at most what the resource had left."
    )

    @classmethod
    def from_row(cls, row: Row) -> "StudySession":
        return cls(
            id=strawberry.ID(to_global_id("StudySession", row.id)),
            started_at=row.started_at,
            ended_at=row.ended_at,
            completed=row.completed,
            credited_minutes=row.credited_minutes,
        )


async def session_node(ctx: Context, pk: int) -> StudySession | None:
    row = await resolvers.get_session(ctx, pk)
    return StudySession.from_row(row) if row else None


@strawberry.type(description="A pairing for one-on-one study delivery (结对送学).")
class StudyPairing(Node):
    member_id: strawberry.Private[int]
    deliverer_id: strawberry.Private[int]
    reason: str = strawberry.field(description="Why the member cannot attend.")
    started_on: dt.date = strawberry.field(description="First day of the pairing.")

    @classmethod
    def from_row(cls, row: Row) -> "StudyPairing":
        return cls(
            id=strawberry.ID(to_global_id("StudyPairing", row.id)),
            member_id=row.member_id,
            deliverer_id=row.deliverer_id,
            reason=row.reason,
            started_on=row.started_on,
        )

    @strawberry.field(description="The member study is delivered to.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)

    @strawberry.field(description="Who delivers it (送学人).")
    async def deliverer(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.deliverer_id)


async def pairing_node(ctx: Context, pk: int) -> StudyPairing | None:
    row = await resolvers.get_pairing(ctx, pk)
    return StudyPairing.from_row(row) if row else None


@strawberry.type(description="One occasion of study delivered (送学) to a paired member.")
class StudyDelivery(Node):
    member_id: strawberry.Private[int]
    deliverer_id: strawberry.Private[int]
    delivered_on: dt.date = strawberry.field(description="The day.")
    content: str = strawberry.field(description="What was studied.")
    online: bool = strawberry.field(description="Delivered online (线上) rather than in person.")
    minutes: int = strawberry.field(description="Minutes credited to the member.")
    feedback: str | None = strawberry.field(
        description="The member's feedback, for the branch secretary."
    )

    @classmethod
    def from_row(cls, row: Row) -> "StudyDelivery":
        return cls(
            id=strawberry.ID(to_global_id("StudyDelivery", row.id)),
            member_id=row.member_id,
            deliverer_id=row.deliverer_id,
            delivered_on=row.delivered_on,
            content=row.content,
            online=row.online,
            minutes=row.minutes,
            feedback=row.feedback,
        )

    @strawberry.field(description="The member study was delivered to.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)

    @strawberry.field(description="Who delivered it (送学人).")
    async def deliverer(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.deliverer_id)


async def delivery_node(ctx: Context, pk: int) -> StudyDelivery | None:
    row = await resolvers.get_delivery(ctx, pk)
    return StudyDelivery.from_row(row) if row else None


@strawberry.type(
    description="A training class (培训班) a street or district runs for the committee members "
    "of its villages and communities."
)
class TrainingClass(Node):
    pk: strawberry.Private[int]
    title: str = strawberry.field(description="Title.")
    topics: list[str] = strawberry.field(description="Topics, e.g. 党务基础, 基层治理, 乡村振兴.")
    starts_on: dt.date = strawberry.field(description="First day.")
    ends_on: dt.date = strawberry.field(description="Last day.")
    minutes: int = strawberry.field(description="Minutes credited for attending it all.")

    @classmethod
    def from_row(cls, row: Row) -> "TrainingClass":
        return cls(
            id=strawberry.ID(to_global_id("TrainingClass", row.id)),
            pk=row.id,
            title=row.title,
            topics=row.topics.split("\n"),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            minutes=row.minutes,
        )

    @strawberry.field(description="Members enrolled (that you can see).")
    async def enrolled(self, info: strawberry.Info) -> int:
        return await resolvers.enrolled_count(info.context, self.pk)


async def class_node(ctx: Context, pk: int) -> TrainingClass | None:
    row = await resolvers.get_class(ctx, pk)
    return TrainingClass.from_row(row) if row else None


@strawberry.type(description="A member's study of a year (学时), in minutes, against the target.")
class StudyHours:
    hours: strawberry.Private[resolvers.Hours]
    year: int = strawberry.field(description="The year.")

    @strawberry.field(description="Online study credited (线上自学).")
    def online_minutes(self) -> int:
        return self.hours.online

    @strawberry.field(
        description="Attended study activities (党课, 主题党日, 党小组会; present only)."
    )
    def offline_minutes(self) -> int:
        return self.hours.offline

    @strawberry.field(description="Study delivered one-on-one (结对送学).")
    def delivered_minutes(self) -> int:
        return self.hours.delivered

    @strawberry.field(description="Training classes attended (培训班).")
    def training_minutes(self) -> int:
        return self.hours.training

    @strawberry.field(description="All credited minutes.")
    def total_minutes(self) -> int:
        return self.hours.total

    @strawberry.field(
        description="The yearly target: 32 hours (1920), 56 (3360) for secretaries, deputy "
        "secretaries and committee members."
    )
    def target_minutes(self) -> int:
        return self.hours.target

    @strawberry.field(description="Minutes still to study to meet the target.")
    def remaining_minutes(self) -> int:
        return self.hours.remaining

    @strawberry.field(description="Whether the target is met.")
    def met(self) -> bool:
        return self.hours.remaining == 0


@strawberry.type(description="A member below target on a study board.")
class StudyBoardEntry:
    member_id: strawberry.Private[int]
    minutes: int = strawberry.field(description="Minutes credited this year.")
    target_minutes: int = strawberry.field(description="Their target.")

    @strawberry.field(description="Minutes still to study.")
    def remaining_minutes(self) -> int:
        return self.target_minutes - self.minutes

    @strawberry.field(description="The member.")
    async def member(self, info: strawberry.Info) -> MemberRef | None:
        return await linked_member_of(info.context, self.member_id)


@strawberry.type(
    description="A subtree's study board (学习台账) for a year: the study-hours-met rate and "
    "the members below target, worst first."
)
class StudyBoard:
    year: int = strawberry.field(description="The year.")
    members: int = strawberry.field(description="Party members counted (in your scope).")
    met: int = strawberry.field(description="Of those, the members who met their target.")
    rate: float | None = strawberry.field(
        description="Study-hours-met rate: members who met their target ÷ members."
    )
    below_target: list[StudyBoardEntry] = strawberry.field(
        description="Members below target, most minutes remaining first."
    )


@strawberry.type
class LearningOrganization:
    """Learning fields of an organisation (assembled in schema/org.py)."""

    pk: strawberry.Private[int]
    path: strawberry.Private[str]

    @strawberry.field(description="The study board of this subtree for a year.")
    async def study_board(
        self,
        info: strawberry.Info,
        year: YearArg = None,
        first: Annotated[
            int, strawberry.argument(description="How many members below target (at most 100).")
        ] = 20,
    ) -> StudyBoard:
        ctx = info.context
        key = resolvers.StudyBoardKey(self.path, year or ctx.today.year, first)
        b = await resolvers.study_board(ctx, key)
        return StudyBoard(
            year=b.year,
            members=b.members,
            met=b.met,
            rate=b.rate,
            below_target=[
                StudyBoardEntry(member_id=r.member_id, minutes=r.minutes, target_minutes=r.target)
                for r in b.below
            ],
        )

    @strawberry.field(
        description="Study delivered (结对送学) to members of this subtree, latest first."
    )
    async def study_deliveries(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[StudyDelivery]:
        key = resolvers.OrgDeliveriesKey(self.path, window(info, first, after, last, before))
        page = await resolvers.org_deliveries(info.context, key)
        return connection(page, StudyDelivery.from_row)


@strawberry.type
class LearningMember:
    """Learning fields of a member (assembled in schema/member.py)."""

    pk: strawberry.Private[int]

    @strawberry.field(
        description="The member's study of a year: online, offline (attended study "
        "activities), delivered and training minutes, against their target."
    )
    async def study_hours(self, info: strawberry.Info, year: YearArg = None) -> StudyHours:
        ctx = info.context
        chosen = year or ctx.today.year
        post = self.party_post  # type: ignore[attr-defined]  # MemberFields's
        key = resolvers.HoursKey(self.pk, chosen, post)
        return StudyHours(hours=await resolvers.hours(ctx, key), year=chosen)

    @strawberry.field(
        description="The resources the member may study (published by their org or one above "
        "it), of those you see, latest first."
    )
    async def study_resources(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[StudyResource]:
        key = resolvers.MemberResourcesKey(self.pk, window(info, first, after, last, before))
        page = await resolvers.member_resources(info.context, key)
        return connection(page, StudyResource.from_row)


# ---- mutations -----------------------------------------------------------------------------------


@strawberry.input(description="Publish a study resource to your organisation's subtree.")
class PublishStudyResourceInput:
    organization_id: strawberry.ID = strawberry.field(description="The city or a district.")
    kind: ResourceKind = strawberry.field(description="Course, article or video.")
    category: str = strawberry.field(description="Category (1–40 characters).")
    title: str = strawberry.field(description="Title (1–120 characters).")
    minutes: int = strawberry.field(description="Minutes it credits at most (1–1440).")


@strawberry.input(description="Report an online study session (again as it goes on).")
class RecordStudyProgressInput:
    resource_id: strawberry.ID = strawberry.field(description="The resource studied.")
    session_key: str = strawberry.field(
        description="The client's key of this session (8–80 characters): the same key again "
        "is the same session."
    )
    started_at: dt.datetime = strawberry.field(description="When the session started.")
    ended_at: dt.datetime = strawberry.field(
        description="The latest moment studied (not in the future)."
    )
    completed: bool = strawberry.field(default=False, description="The resource was completed.")


@strawberry.input(description="Pair a member who cannot attend with a deliverer (结对送学).")
class PairForStudyDeliveryInput:
    member_id: strawberry.ID = strawberry.field(description="The member who cannot attend.")
    deliverer_id: strawberry.ID = strawberry.field(description="Who delivers study to them.")
    reason: str = strawberry.field(description="Why (away for work, ill, elderly…).")
    started_on: dt.date = strawberry.field(description="First day of the pairing.")


@strawberry.input(description="Record one occasion of study delivered.")
class RecordStudyDeliveryInput:
    pairing_id: strawberry.ID = strawberry.field(description="The pairing.")
    delivered_on: dt.date = strawberry.field(description="The day (one per pairing and day).")
    content: str = strawberry.field(description="What was studied.")
    online: bool = strawberry.field(description="Delivered online rather than in person.")
    minutes: int = strawberry.field(description="Minutes credited (1–480).")
    feedback: str | None = strawberry.field(
        default=None, description="The member's feedback, for the branch secretary."
    )


@strawberry.input(description="Open a training class (培训班).")
class OpenTrainingClassInput:
    organization_id: strawberry.ID = strawberry.field(description="A street or district.")
    title: str = strawberry.field(description="Title (1–120 characters).")
    topics: list[str] = strawberry.field(description="Topics, one line each.")
    starts_on: dt.date = strawberry.field(description="First day.")
    ends_on: dt.date = strawberry.field(description="Last day.")
    minutes: int = strawberry.field(description="Minutes credited for attending it all.")


@strawberry.input(description="Enrol a committee member in a training class.")
class EnrolInTrainingClassInput:
    class_id: strawberry.ID = strawberry.field(description="The class.")
    member_id: strawberry.ID = strawberry.field(
        description="A secretary, deputy secretary or committee member of the subtree."
    )


@strawberry.input(description="Record the minutes an enrolled member attended.")
class RecordTrainingAttendanceInput:
    class_id: strawberry.ID = strawberry.field(description="The class.")
    member_id: strawberry.ID = strawberry.field(description="The enrolled member.")
    minutes: int = strawberry.field(description="Minutes attended (at most the class's).")


@strawberry.type(description="Result of publishing a study resource.")
class StudyResourcePayload:
    resource: StudyResource | None = strawberry.field(description="The resource.")


@strawberry.type(description="Result of a study report.")
class StudyProgressPayload:
    session: StudySession | None = strawberry.field(description="The session as credited.")


@strawberry.type(description="Result of a pairing.")
class StudyPairingPayload:
    pairing: StudyPairing | None = strawberry.field(description="The pairing.")


@strawberry.type(description="Result of recording a delivery.")
class StudyDeliveryPayload:
    delivery: StudyDelivery | None = strawberry.field(description="The delivery.")


@strawberry.type(description="Result of a training-class change.")
class TrainingClassPayload:
    training_class: TrainingClass | None = strawberry.field(description="The class.")


@strawberry.type
class LearningMutation:
    @strawberry.mutation(
        description="The city or a district publishes a course, article or video to its subtree."
    )
    async def publish_study_resource(
        self, info: strawberry.Info, input: Annotated[PublishStudyResourceInput, INPUT]
    ) -> StudyResourcePayload:
        ctx = info.context
        plan = given(resolvers.ResourcePlan, input)
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.publish_resource,
            pk_of(input.organization_id, "Organization"),
            plan,
        )
        return StudyResourcePayload(resource=await resource_node(ctx, pk))

    @strawberry.mutation(
        description="Report your online study of a resource: its time is credited once (a "
        "replay or an overlapping session adds nothing), at most the resource's minutes."
    )
    async def record_study_progress(
        self, info: strawberry.Info, input: Annotated[RecordStudyProgressInput, INPUT]
    ) -> StudyProgressPayload:
        ctx = info.context
        progress = given(
            resolvers.Progress, input, resource_id=pk_of(input.resource_id, "StudyResource")
        )
        pk = await perform(ctx, info.field_name, resolvers.record_progress, progress)
        return StudyProgressPayload(session=await session_node(ctx, pk))

    @strawberry.mutation(
        description="The member's organisation pairs a member who cannot attend with a "
        "deliverer (结对送学)."
    )
    async def pair_for_study_delivery(
        self, info: strawberry.Info, input: Annotated[PairForStudyDeliveryInput, INPUT]
    ) -> StudyPairingPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.pair,
            pk_of(input.member_id, "Member"),
            pk_of(input.deliverer_id, "Member"),
            input.reason,
            input.started_on,
        )
        return StudyPairingPayload(pairing=await pairing_node(ctx, pk))

    @strawberry.mutation(
        description="Record a delivery of study to a paired member, with their feedback."
    )
    async def record_study_delivery(
        self, info: strawberry.Info, input: Annotated[RecordStudyDeliveryInput, INPUT]
    ) -> StudyDeliveryPayload:
        ctx = info.context
        delivery = given(resolvers.Delivery, input)
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.record_delivery,
            pk_of(input.pairing_id, "StudyPairing"),
            delivery,
        )
        return StudyDeliveryPayload(delivery=await delivery_node(ctx, pk))

    @strawberry.mutation(
        description="A street or district opens a training class for its committee members."
    )
    async def open_training_class(
        self, info: strawberry.Info, input: Annotated[OpenTrainingClassInput, INPUT]
    ) -> TrainingClassPayload:
        ctx = info.context
        plan = given(resolvers.ClassPlan, input, topics=tuple(input.topics))
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.open_class,
            pk_of(input.organization_id, "Organization"),
            plan,
        )
        return TrainingClassPayload(training_class=await class_node(ctx, pk))

    @strawberry.mutation(
        description="Enrol a secretary or committee member of the subtree (again: no change)."
    )
    async def enrol_in_training_class(
        self, info: strawberry.Info, input: Annotated[EnrolInTrainingClassInput, INPUT]
    ) -> TrainingClassPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.enrol,
            pk_of(input.class_id, "TrainingClass"),
            pk_of(input.member_id, "Member"),
        )
        return TrainingClassPayload(training_class=await class_node(ctx, pk))

    @strawberry.mutation(
        description="Record the minutes an enrolled member attended; credited to their hours."
    )
    async def record_training_attendance(
        self, info: strawberry.Info, input: Annotated[RecordTrainingAttendanceInput, INPUT]
    ) -> TrainingClassPayload:
        ctx = info.context
        pk = await perform(
            ctx,
            info.field_name,
            resolvers.record_attendance,
            pk_of(input.class_id, "TrainingClass"),
            pk_of(input.member_id, "Member"),
            input.minutes,
        )
        return TrainingClassPayload(training_class=await class_node(ctx, pk))
