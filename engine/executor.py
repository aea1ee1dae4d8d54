"""A leaner execution path for plain fields.

Most of a page is plain fields: Python attributes of a scalar, enum or object type, or lists of
objects (`name`, `status`, `node`, `edges`, `pageInfo`). graphql-core executes each one with a
resolve-info object, a resolver call and a chain of completion steps. Here a plain field is read
and completed directly. Everything else (resolvers, arguments, abstract types, `@stream`) and
every value that needs an error takes graphql-core's own path, so results and errors are those of
the standard executor (a test runs both on the same queries).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple, cast
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from orjson import Fragment
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

from engine.compiler import Builder, Field, Selection, compiled, passes_str
from engine.settled import gather_settled

TYPENAME = "__typename"


class Plain(NamedTuple):
    """A field read straight from its Python attribute."""

    name: str  # response key
    attr: str
    type: GraphQLOutputType
    read: Callable[[Any], Any]  # value -> completed leaf, object(s) to complete, or Undefined
    objects: GraphQLObjectType | None  # the object type completed below, if any
    item_type: GraphQLOutputType | None  # for lists: the item type
    details: FieldDetailsList


class Plan(NamedTuple):
    """How one grouped field set of a type is executed: its plain fields, and every field in
    query order as a Plain one, a `__typename` (None) or graphql-core's (its details)."""

    parent: GraphQLObjectType
    fields: GroupedFieldSet
    plain: list[Plain]
    steps: list[tuple[str, Plain | FieldDetailsList | None]]
    leaves: bool  # plain scalar and enum fields only


PLAIN_VALUES = frozenset({str, int, float, bool, dt.date, dt.datetime})


def unusual(value: Any) -> bool:
    """An exception or awaitable as a value: graphql-core raises or awaits it."""
    return isinstance(value, Exception) or optimized_is_awaitable(value)


def nullable(type_: GraphQLOutputType) -> tuple[Any, bool]:
    return (type_.of_type, True) if isinstance(type_, GraphQLNonNull) else (type_, False)


def leaf_reader(leaf: Any, non_null: bool) -> Callable[[Any], Any]:
    """Coerce a scalar or enum; Undefined where graphql-core must report an error."""
    # enum members by identity (an Enum's own hash is a Python call): member -> GraphQL name
    names: dict[int, str] = {}
    if isinstance(leaf, CustomGraphQLEnumType):
        members: list[Any] = list(leaf.wrapped_cls)
        names = {id(m): n for n, v in leaf.values.items() for m in members if v.value == m.value}

    def read(value: Any) -> Any:
        if value is None:
            return Undefined if non_null else None
        name = names.get(id(value)) if names else None
        if name is not None:
            return name
        if type(value) not in PLAIN_VALUES and unusual(value):
            return Undefined
        try:
            coerced = leaf.coerce_output_value(value)
        except Exception:
            return Undefined
        return Undefined if coerced is None else coerced

    return read


def object_reader(obj: GraphQLObjectType, non_null: bool) -> Callable[[Any], Any]:
    """Pass an object on (after its type check); Undefined where graphql-core must decide."""
    check: Callable[[Any, Any], Any] | None = obj.is_type_of  # called without resolve info

    def read(value: Any) -> Any:
        if value is None:
            return Undefined if non_null else None
        if unusual(value):
            return Undefined
        return value if check is None or check(value, None) is True else Undefined

    return read


def list_reader(item: Callable[[Any], Any], non_null: bool) -> Callable[[Any], Any]:
    """A list of objects, each item checked; Undefined where graphql-core must decide."""

    def read(value: Any) -> Any:
        if value is None:
            return Undefined if non_null else None
        if not isinstance(value, list | tuple):
            return Undefined
        for entry in value:
            if entry is None or item(entry) is Undefined:
                return Undefined
        return value

    return read


class Reader(NamedTuple):
    """How a field without resolver is read: everything of a Plain but the query's parts."""

    attr: str
    read: Callable[[Any], Any]
    objects: GraphQLObjectType | None
    item_type: GraphQLOutputType | None


READERS: WeakKeyDictionary[GraphQLObjectType, dict[str, Reader | None]] = WeakKeyDictionary()


def reader(parent: GraphQLObjectType, field_name: str) -> Reader | None:
    """The reader of a field without resolver and of a leaf, object or object-list type
    (made once per schema type and field)."""
    known = READERS.setdefault(parent, {})
    if field_name not in known:
        known[field_name] = make_reader(parent, field_name)
    return known[field_name]


def make_reader(parent: GraphQLObjectType, field_name: str) -> Reader | None:
    field = parent.fields.get(field_name)
    if field is None or not getattr(field.resolve, "_is_default", False):
        return None
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        definition is None
        or definition.base_resolver is not None
        or definition.extensions
        or getattr(definition, "permission_classes", None)
        or definition.default_resolver is not getattr
    ):
        return None  # a resolver, permission checks or extensions: graphql-core's path
    inner, non_null = nullable(field.type)
    attr = definition.python_name
    if is_leaf_type(inner):
        return Reader(attr, leaf_reader(inner, non_null), None, None)
    if isinstance(inner, GraphQLObjectType):
        return Reader(attr, object_reader(inner, non_null), inner, None)
    if isinstance(inner, GraphQLList):
        item, _ = nullable(inner.of_type)
        if isinstance(item, GraphQLObjectType):
            return Reader(
                attr, list_reader(object_reader(item, True), non_null), item, inner.of_type
            )
    return None


def plain_field(parent: GraphQLObjectType, name: str, details: FieldDetailsList) -> Plain | None:
    """The field as a Plain one, if it has a reader and, for lists, no directive (`@stream`)."""
    found = reader(parent, details[0].node.name.value)
    if found is None or (found.item_type is not None and any(d.node.directives for d in details)):
        return None
    return Plain(name, found.attr, parent.fields[details[0].node.name.value].type, found.read,
                 found.objects, found.item_type, details)  # fmt: skip


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the plain-field shortcut."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[GroupedFieldSet, Plan]] = {}
        self._objects: dict[int, tuple[Plain, GroupedFieldSet, Plan | None, bool]] = {}
        self._builders: dict[int, Builder | None] = {}

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A field's JSON text computed by the database (`orjson.Fragment`) is its completed
        value: orjson writes it into the response as it is."""
        if result.__class__ is Fragment:
            return result
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def plan(self, parent: GraphQLObjectType, fields: GroupedFieldSet) -> Plan:
        """The plan of a grouped field set, made once per request."""
        key = (parent.name, id(fields))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        wrapped = self.middleware_manager is not None and self.middleware_manager.middlewares
        plain: list[Plain] = []
        steps: list[tuple[str, Plain | FieldDetailsList | None]] = []
        for name, details in fields.items():
            found = None if wrapped else plain_field(parent, name, details)
            if details[0].node.name.value == TYPENAME:
                steps.append((name, None))
            elif found is not None:
                plain.append(found)
                steps.append((name, found))
            else:
                steps.append((name, details))
        leaves = len(plain) == len(steps) and all(f.objects is None for f in plain)
        plan = Plan(parent, fields, plain, steps, leaves)
        self._plans[key] = (fields, plan)  # keeps `fields` alive, so its id is not reused
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = self.plan(parent_type, grouped_field_set)
        if not plan.plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self.run(plan, source_value, path, position_context)

    def run(self, plan: Plan, source: Any, path: Path | None, position_context: Any) -> Any:
        """`execute_fields` along a plan: plain fields are read first (a value that needs an
        error sends the whole object down graphql-core's path, nothing having run yet), then
        every field completes in query order, as graphql-core does."""
        parent = plan.parent
        read: dict[str, Any] = {}
        try:
            for field in plan.plain:
                value = field.read(getattr(source, field.attr))
                if value is Undefined:
                    raise LookupError(field.name)
                read[field.name] = value
        except Exception:
            return super().execute_fields(parent, source, path, plan.fields, position_context)
        if plan.leaves:
            return read  # already in query order
        values: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for name, step in plan.steps:
                if step is None:
                    values[name] = parent.name
                    continue
                if isinstance(step, Plain):
                    value = read[name]
                    if value is not None and step.objects is not None:
                        value = self.complete_plain(
                            step, Path(path, name, parent.name), value, position_context
                        )
                else:
                    value = self.execute_field(
                        parent, source, step, Path(path, name, parent.name), position_context
                    )
                    if value is Undefined:
                        continue
                values[name] = value
                if self.is_awaitable(value):
                    pending.append(name)
        except Exception:
            if pending:  # let started fields settle, as graphql-core does
                self.settle_in_background([values[name] for name in pending])
            raise
        return self.await_values(values, pending) if pending else values

    async def await_values(self, values: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        """The object once its awaitable fields are done (together, as graphql-core does; a
        single one is awaited in place, without the task and future a gather costs)."""
        if len(pending) == 1:
            values[pending[0]] = await values[pending[0]]
            return values
        done = await gather_settled(*(values[name] for name in pending))
        values.update(zip(pending, done, strict=True))
        return values

    def complete_plain(self, field: Plain, path: Path, value: Any, position_context: Any) -> Any:
        """The sub-selection of an object or list attribute: built by its compiled builder when
        it has one and the value is usual; else completed here, errors as graphql-core has them."""
        try:
            build = self.builder(field) if position_context is None else None
            if build is not None:
                return [build(item) for item in value] if field.item_type else build(value)
        except Exception:  # the general path below reports it
            pass
        try:
            if field.item_type is None:
                completed = self.complete_object(field, path, value, position_context)
            else:
                completed = self.complete_items(field, path, value, position_context)
        except Exception as error:
            self.handle_field_error(error, field.type, field.details, path)
            return None
        return self.guarded(completed, field.type, field.details, path)

    def builder(self, field: Plain) -> Builder | None:
        """The compiled builder of the field's sub-selection, if it is plain all the way down."""
        key = id(field)
        if key not in self._builders:
            selection = self.selection(field)
            self._builders[key] = compiled(selection) if selection is not None else None
        return self._builders[key]

    def selection(self, field: Plain) -> Selection | None:
        planned = self.subplan(field)
        if planned is None or planned[1] is None:
            return None
        fields = []
        for name, step in planned[1].steps:
            if step is None:
                fields.append(Field(name, None, None, False, None, False))
                continue
            if not isinstance(step, Plain):
                return None
            child = None
            if step.objects is not None:
                child = self.selection(step)
                if child is None:
                    return None
            leaf = nullable(step.type)[0]
            fields.append(
                Field(
                    name, step.attr, step.read, passes_str(leaf), child, step.item_type is not None
                )
            )
        return Selection(cast(GraphQLObjectType, field.objects), tuple(fields))

    def complete_items(self, field: Plain, path: Path, items: Any, position_context: Any) -> Any:
        """Each item of a list of objects; a failed item is null or fails the list."""
        item_type = cast(GraphQLOutputType, field.item_type)
        done: list[Any] = []
        pending: list[int] = []
        for index, item in enumerate(items):
            item_path = path.add_key(index, None)
            try:
                completed = self.complete_object(field, item_path, item, position_context)
            except Exception as error:
                try:
                    self.handle_field_error(error, item_type, field.details, item_path)
                except Exception:  # the list fails: let started items settle
                    self.settle_in_background([done[i] for i in pending])
                    raise
                completed = None
            if self.is_awaitable(completed):
                completed = self.guarded(completed, item_type, field.details, item_path)
                pending.append(index)
            done.append(completed)
        if not pending:
            return done

        async def later() -> list[Any]:
            results = await gather_settled(*(done[i] for i in pending))
            for index, result in zip(pending, results, strict=True):
                done[index] = result
            return done

        return later()

    def subplan(self, field: Plain) -> tuple[GroupedFieldSet, Plan | None] | None:
        """The field's sub-selection, collected and planned once per request (no plan if no
        field is plain); None under `@defer`, which takes graphql-core's own path."""
        cached = self._objects.get(id(field))
        if cached is None:
            objects = cast(GraphQLObjectType, field.objects)
            grouped, defers, _ = self.collect_subfields(objects, field.details)
            plan = None if defers else self.plan(objects, grouped)
            cached = (field, grouped, plan if plan is None or plan.plain else None, bool(defers))
            self._objects[id(field)] = cached  # keeps `field`, so its id stays unique
        return None if cached[3] else (cached[1], cached[2])

    def complete_object(self, field: Plain, path: Path, value: Any, position_context: Any) -> Any:
        """One object of the field's type (graphql-core's own path under `@defer`)."""
        objects = cast(GraphQLObjectType, field.objects)  # a field with a sub-selection
        planned = self.subplan(field) if position_context is None else None
        if planned is None:
            return self.collect_and_execute_subfields(
                objects, field.details, path, value, position_context
            )
        grouped, plan = planned
        if plan is None:
            return super().execute_fields(objects, value, path, grouped, None)
        return self.run(plan, value, path, None)

    def guarded(
        self, completed: Any, type_: GraphQLOutputType, details: FieldDetailsList, path: Path
    ) -> Any:
        """An awaitable completion whose error is handled like graphql-core's."""
        if not self.is_awaitable(completed):
            return completed

        async def later() -> Any:
            try:
                return await completed
            except Exception as error:
                self.handle_field_error(error, type_, details, path)
                return None

        return later()
