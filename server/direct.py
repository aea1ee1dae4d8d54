"""The compiled route of `/graphql` (issue 24): a document whose one root field the SQL
compiler answers (`resolvers/sqljson.py`: the `members` connection, fields only) has that
field's resolver called straight away, with graphql-core's coercion of the variables and
arguments, and none of strawberry's operation machinery or graphql-core's executor (their
extensions, hooks, field collection and result processing: 30% of a compiled page's CPU).

Only what needs none of that comes here: a query that ran once through strawberry without
an error (so it parsed and validated, limits included), for an authenticated caller, within
the node budget for its variables. Whatever is not a clean answer (refused variables or
arguments, an error, a selection or order the compiler leaves, `resolvers.sqljson.
NotCompiled`) takes the general path, which answers it as ever (after a database error on a
fresh transaction); a clean answer is the connection's JSON text, as the executor would
have passed it through."""

from collections import OrderedDict
from typing import Any, NamedTuple, cast

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_argument_values,
    get_variable_values,
    parse,
)
from graphql.pyutils import Path
from sqlalchemy.exc import DBAPIError
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult

from engine.protections import MAX_NODES, MAX_TOKENS, requested_nodes
from resolvers.context import Context
from resolvers.pagination import DEFAULT_FIRST
from schema.sqljson import picks_of

ROOT_FIELDS = frozenset({"members"})  # what the compiler answers at the root
PLANS_SIZE = 1000  # documents per process


class Plan(NamedTuple):
    document: DocumentNode
    operation: OperationDefinitionNode
    field: FieldNode  # the one root field
    nodes: int | None  # the node count, where no variable can change it


def plan_of(schema: GraphQLSchema, query: str, operation_name: str | None) -> Plan | None:
    """The document, if it is one query of one root field the compiler may see: no
    fragment, no directive, each response key once (`schema.sqljson.picks_of`)."""
    document = parse(query, max_tokens=MAX_TOKENS)
    if len(document.definitions) != 1:
        return None
    op = document.definitions[0]
    if not isinstance(op, OperationDefinitionNode) or op.operation != OperationType.QUERY:
        return None
    if op.directives or any(v.directives for v in op.variable_definitions or ()):
        return None
    roots = op.selection_set.selections
    if len(roots) != 1 or not isinstance(roots[0], FieldNode) or roots[0].directives:
        return None
    if roots[0].name.value not in ROOT_FIELDS or picks_of(roots[0].selection_set) is None:
        return None
    fixed = not op.variable_definitions
    nodes = requested_nodes(schema, document, operation_name, {}, DEFAULT_FIRST) if fixed else None
    return Plan(document, op, roots[0], nodes)


class DirectRoute:
    """The plans of the documents seen to qualify, by (text, operation name); bounded, the
    least recently used going first."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def learn(self, query: str, operation_name: str | None, result: ExecutionResult) -> None:
        """After the general path: remember whether this document may take the route."""
        key = (query, operation_name)
        if key in self.plans or result.errors or result.data is None:
            return
        try:
            self.plans[key] = plan_of(self.schema._schema, query, operation_name)
        except GraphQLError:  # it ran, so it parses: kept out all the same
            self.plans[key] = None
        while len(self.plans) > PLANS_SIZE:
            self.plans.popitem(last=False)

    async def answer(
        self, ctx: Context, query: str, variables: dict[str, Any] | None, operation_name: str | None
    ) -> ExecutionResult | None:
        """The result of the compiled route, or None: take the general path."""
        plan = self.plans.get((query, operation_name))
        if plan is None or ctx.principal is None:
            return None
        self.plans.move_to_end((query, operation_name))
        schema = self.schema._schema
        nodes = plan.nodes
        if nodes is None:
            nodes = requested_nodes(
                schema, plan.document, operation_name, variables or {}, DEFAULT_FIRST
            )
        if nodes > MAX_NODES:
            return None  # refused there, with its message
        op, node = plan.operation, plan.field
        coerced = get_variable_values(schema, op.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return None  # refused there, with its messages
        query_type = schema.query_type
        assert query_type is not None
        field = query_type.fields[node.name.value]
        key = node.alias.value if node.alias else node.name.value
        info = GraphQLResolveInfo(
            field_name=node.name.value,
            field_nodes=[node],
            return_type=field.type,
            parent_type=query_type,
            path=Path(None, key, query_type.name),
            schema=schema,
            fragments={},
            root_value=None,
            operation=op,
            variable_values=coerced,
            context=ctx,
            is_awaitable=cast(Any, optimized_is_awaitable),  # typed as returning bool
            abort_signal=None,
            async_helpers=cast(Any, None),  # for resolvers that track work: none here
        )
        ctx.direct = True
        try:
            assert field.resolve is not None
            value = await field.resolve(None, info, **get_argument_values(field, node, coerced))
        except DBAPIError:
            await ctx.session.rollback()  # the general path runs on a fresh transaction
            return None
        except Exception:  # NotCompiled, or an error the general path reports
            return None
        finally:
            ctx.direct = False
        if not isinstance(value, orjson.Fragment):
            return None
        return ExecutionResult(data={key: value}, errors=None)
