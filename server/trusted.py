"""Trusted documents: the saved queries and the persisted-document manifests a front-end build
ships (Apollo's persisted query list, graphql-codegen's `persisted-documents.json`), each
reachable by every id a client may send for it (docs/deployment.md, "Trusted documents")."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse, print_ast, validate

from engine.protections import MAX_TOKENS
from server.saved_queries import Registry, sha256

APOLLO_FORMAT = "apollo-persisted-query-manifest"
PREFIX = "sha256:"
KEYS = ("id", "body")  # of an operation of an Apollo manifest


class TrustedDocumentError(ValueError):
    """A manifest that cannot be served: one line naming the file and the operation."""


def printed(text: str) -> str | None:
    """The document as graphql-js `print` writes it (what Apollo's APQ link hashes), or None
    for a text that does not parse within the token limit."""
    try:
        return print_ast(parse(text, no_location=True, max_tokens=MAX_TOKENS))
    except GraphQLError:
        return None


def entries(path: Path) -> Iterator[tuple[str, str | None, str]]:
    """(id, operation name if the manifest gives one, body) of one manifest file."""
    try:
        manifest = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as e:
        raise TrustedDocumentError(f"trusted documents {path.name}: not JSON ({e})") from None
    if isinstance(manifest, dict) and "format" in manifest:
        if manifest.get("format") != APOLLO_FORMAT or manifest.get("version") != 1:
            raise TrustedDocumentError(
                f"trusted documents {path.name}: only version 1 of {APOLLO_FORMAT} is known"
            )
        for n, op in enumerate(manifest.get("operations") or ()):
            if not (isinstance(op, dict) and all(isinstance(op.get(k), str) for k in KEYS)):
                raise TrustedDocumentError(
                    f"trusted documents {path.name}: operation {n} needs a string id and body"
                )
            name = op.get("name")
            yield op["id"], name if isinstance(name, str) else None, op["body"]
    elif isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values()):
        yield from ((key, None, body) for key, body in manifest.items())
    else:
        raise TrustedDocumentError(
            f"trusted documents {path.name}: neither an {APOLLO_FORMAT} nor graphql-codegen's "
            "persisted-documents.json (an object of id → document)"
        )


class TrustedDocuments:
    """Every trusted document by each id a client may send for it: a manifest's own id, and
    `sha256:<hex>` and bare `<hex>` of the exact text (GraphQL-over-HTTP persisted documents,
    APQ) and of its printed form (Apollo's APQ link hashes `print(document)`). A hash always
    names the text it is the hash of, so error locations match what the client hashed; a
    saved query is also reachable by the hash of its file bytes, comments included."""

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}
        self.origin: dict[str, str] = {}  # id → where it was first given, for conflicts

    def add(self, key: str, text: str, where: str) -> None:
        known = self.by_id.get(key)
        if known is not None and known != text:
            raise TrustedDocumentError(
                f"{where}: the id {key} already names another document ({self.origin[key]})"
            )
        self.by_id[key] = text
        self.origin.setdefault(key, where)

    def add_text(self, text: str, where: str) -> None:
        """`text` by its hash and by the hash of its printed form, each bare and prefixed."""
        for form in dict.fromkeys((text, printed(text) or text)):
            digest = sha256(form)
            self.add(digest, form, where)
            self.add(PREFIX + digest, form, where)

    def document(self, key: str) -> str | None:
        return self.by_id.get(key)

    def allows(self, query: str) -> bool:
        """Whether `query` is a trusted document's text, exactly or once printed."""
        if self.by_id.get(sha256(query)) == query:
            return True
        form = printed(query)
        return form is not None and self.by_id.get(sha256(form)) == form

    @classmethod
    def load(
        cls, schema: strawberry.Schema, registry: Registry, folder: str | None
    ) -> "TrustedDocuments":
        """The saved queries, then every `*.json` manifest of `folder`, each document
        validated against the schema; raises TrustedDocumentError on the first bad one."""
        trusted = cls()
        for query in registry.by_name.values():
            trusted.add_text(query.document, f"saved query {query.area}/{query.name}.graphql")
        for path in sorted(Path(folder).glob("*.json")) if folder else ():
            for key, name, body in entries(path):
                where = checked(schema, f"trusted documents {path.name}", key, name, body)
                trusted.add(key, body, where)
                trusted.add_text(body, where)
        return trusted


def checked(schema: strawberry.Schema, file: str, key: str, name: str | None, body: str) -> str:
    """Where a manifest document is, for messages, once it parses, validates and, under a
    `sha256:` id, is the text of that hash."""
    try:
        document = parse(body)
    except GraphQLError as e:
        raise TrustedDocumentError(f"{file}: operation {name or key}: {e.message}") from None
    first = next(
        (
            d.name.value
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode) and d.name
        ),
        None,
    )
    where = f"{file}: operation {name or first or key}"
    if key.startswith(PREFIX) and key != PREFIX + sha256(body):
        raise TrustedDocumentError(f"{where}: the id {key} is not the SHA-256 of its body")
    errors = validate(schema._schema, document)
    if errors:
        raise TrustedDocumentError(f"{where}: {errors[0].message}")
    return where
