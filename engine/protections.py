"""Protection on every request, before any work: depth, aliases, tokens, directives and a
node-count budget; unexpected errors masked."""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
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
UNSIZED_LIST = 10  # items reckoned in a list of objects without a size (a member's check-ins)


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
    """GitHub-style node count: every connection's `first` or `last` times those of its
    ancestors, and every list of objects times its size: the length of its list argument
    (`nodes(ids:)`) or UNSIZED_LIST. `first` (or `last`) is what the resolver will see: the
    literal, the variable as sent or its default, the argument's default, else
    `default_first`."""
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
    defaults = {d.variable.name.value: d.default_value for d in ops[0].variable_definitions or ()}

    def argument(node: FieldNode, field: GraphQLField, name: str) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                value: ValueNode | None = arg.value
                if isinstance(value, VariableNode):
                    if value.name.value in variables:
                        return variables[value.name.value]
                    value = defaults.get(value.name.value)
                if value is not None:
                    return value_from_ast_untyped(value, variables)
        return field.args[name].default_value

    def first_of(node: FieldNode, field: GraphQLField) -> int:
        for name in ("first", "last"):
            size = argument(node, field, name) if name in field.args else None
            if isinstance(size, int) and not isinstance(size, bool):
                return size
        return default_first

    def size_of(node: FieldNode, field: GraphQLField) -> int:
        for name, arg in field.args.items():
            if is_list_type(get_nullable_type(arg.type)):
                value = argument(node, field, name)
                if isinstance(value, list):
                    return len(value)
        return UNSIZED_LIST

    # nodes below one selection set, per item of its parent: a fragment spread many times is
    # counted once (validation has ruled out cycles; `busy` guards anyway)
    counted: dict[tuple[int, str, bool], int] = {}
    busy: set[tuple[int, str, bool]] = set()

    def walk(selection_set: SelectionSetNode | None, parent: Any, listed: bool) -> int:
        """`listed`: `parent` is a connection, whose lists (`edges`) are its items."""
        if selection_set is None or not is_composite_type(parent):
            return 0
        key = (id(selection_set), parent.name, listed)
        if key in counted or key in busy:
            return counted.get(key, 0)
        busy.add(key)
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                field = fields.get(sel.name.value)
                if field is None:
                    continue
                child = get_named_type(field.type)
                if "first" in field.args:
                    total += max(first_of(sel, field), 1) * (
                        1 + walk(sel.selection_set, child, True)
                    )
                elif (
                    not listed
                    and is_list_type(get_nullable_type(field.type))
                    and is_composite_type(child)
                ):
                    total += size_of(sel, field) * (1 + walk(sel.selection_set, child, False))
                else:
                    total += walk(sel.selection_set, child, False)
            elif isinstance(sel, InlineFragmentNode):
                target = (
                    schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                )
                total += walk(sel.selection_set, target, listed)
            elif isinstance(sel, FragmentSpreadNode) and (frag := fragments.get(sel.name.value)):
                target = schema.get_type(frag.type_condition.name.value)
                total += walk(frag.selection_set, target, listed)
        busy.discard(key)
        counted[key] = total
        return total

    return walk(ops[0].selection_set, schema.get_root_type(ops[0].operation), False)


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
