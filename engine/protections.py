"""Protection on every request, before any work: depth, aliases, tokens, directives and a
node-count budget; unexpected errors masked."""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
MAX_DIRECTIVES = 20
MAX_NODES = 10_000


class LimitExceeded(GraphQLError):
    """A document refused for its size (code QUERY_TOO_COMPLEX)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "QUERY_TOO_COMPLEX"})


class DirectiveLimit(ValidationRule):
    """At most MAX_DIRECTIVES directives in one document (directive overloading)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0

    def enter_directive(self, *_: Any) -> None:
        self.count += 1
        if self.count == MAX_DIRECTIVES + 1:
            self.report_error(GraphQLError(f"more than {MAX_DIRECTIVES} directives"))


def requested_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
    default_first: int,
) -> int:
    """GitHub-style node count: every connection's `first` or `last` (`default_first` when
    absent) times those of its ancestors."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name and d.name.value == operation_name))
    ]
    if not ops:
        return 0
    root = schema.get_root_type(ops[0].operation)

    def first_of(node: FieldNode) -> int:
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                if isinstance(arg.value, IntValueNode):
                    return int(arg.value.value)
                if isinstance(arg.value, VariableNode):
                    value = variables.get(arg.value.name.value)
                    return value if isinstance(value, int) else default_first
        return default_first

    def walk(
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        multiplier: int,
        seen: frozenset[str],
    ) -> int:
        if selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                field = parent.fields.get(sel.name.value)
                if field is None:
                    continue
                count = multiplier
                if "first" in field.args:
                    count = multiplier * max(first_of(sel), 1)
                    total += count
                total += walk(sel.selection_set, get_named_type(field.type), count, seen)
            elif isinstance(sel, InlineFragmentNode):
                target = (
                    schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                )
                total += walk(sel.selection_set, target, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag:
                    total += walk(
                        frag.selection_set,
                        schema.get_type(frag.type_condition.name.value),
                        multiplier,
                        seen | {sel.name.value},
                    )
        return total

    return walk(ops[0].selection_set, root, 1, frozenset())


class NodeLimit(SchemaExtension):
    """Refuses documents that could return more than MAX_NODES connection items."""

    def __init__(self, default_first: int) -> None:
        super().__init__()
        self.default_first = default_first

    def on_execute(self):
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.result is None:
            nodes = requested_nodes(
                ctx.schema._schema,
                ctx.graphql_document,
                ctx.operation_name,
                ctx.variables or {},
                self.default_first,
            )
            if nodes > MAX_NODES:
                error = LimitExceeded(
                    f"query may return {nodes} nodes; the limit is "
                    f"{MAX_NODES}: request smaller pages"
                )
                ctx.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


class MaskInternalErrors(MaskErrors):
    """Unexpected exceptions become `internal error` with code INTERNAL_SERVER_ERROR; client
    errors and GraphQL validation errors keep their message and code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=self.unexpected, error_message="internal error")

    @staticmethod
    def unexpected(error: GraphQLError) -> bool:
        return error.original_error is not None and not isinstance(
            error.original_error, GraphQLError
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


RULES = [
    depth_rule(MAX_DEPTH, None),
    alias_rule(MAX_ALIASES),
    DirectiveLimit,
]


def protections(default_first: int) -> list:
    """Extension factories (a fresh instance per request); `default_first` is the page size
    of a connection asked without `first`. The validation rules are built once, so that the
    validation cache, keyed on the rule classes, hits."""
    return [
        lambda: AddValidationRules(RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: NodeLimit(default_first),
        MaskInternalErrors,
    ]
