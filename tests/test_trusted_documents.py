"""Trusted documents: a manifest written by the real graphql-codegen client preset, and one in
Apollo's persisted query list format, served by a live `dangjian serve` with the allow-list
on: each operation runs by `documentId` as codegen's client sends it, by Apollo's APQ hash, by
its manifest id; nothing else runs."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.saved_queries import QUERIES_DIR
from tests.process import free_port, run, serving, token

CODEGEN = Path(__file__).resolve().parent / "trusted_documents"
MODULES = CODEGEN / "node_modules"

VIEWER_TS = """import { graphql } from './gql';

export const Viewer = graphql(`
  query Viewer {
    viewer { username displayName grants { role scope { id name } } }
  }
`);
"""
MEMBERS_GRAPHQL = """# a page of the directory, as a table view asks for it
query MembersPage($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    totalCount
    edges { node { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ORGANIZATION_TS = """import { graphql } from './gql';

export const OrgCard = graphql(`
  fragment OrgCard on Organization { name level }
`);
export const Organization = graphql(`
  query Organization($id: ID!) { organization(id: $id) { id ...OrgCard } }
`);
"""
# Apollo's generate-persisted-query-manifest: ids are the SHA-256 of each body
APOLLO_BODIES = {
    "Breadcrumbs": "query Breadcrumbs {\n  viewer {\n    grants {\n      scope { id level }\n"
    "      __typename\n    }\n    __typename\n  }\n}",
    "Whoami": "query Whoami { viewer { username __typename } }",
}
ADHOC = "query Adhoc { members(first: 1) { edges { node { idCardNumber } } } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def node_tool(script: str, *args: str, stdin: str | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["node", script, *args],
        input=stdin,
        cwd=cwd,
        env={**os.environ, "NODE_PATH": str(MODULES)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def apq_hashes(texts: list[str]) -> list[str]:
    """Apollo Client's APQ hashes, computed by graphql-js (not by the server's printer)."""
    return json.loads(node_tool(str(CODEGEN / "apq_hashes.mjs"), stdin=json.dumps(texts)))


@pytest.fixture(scope="module")
def codegen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """graphql-codegen's client preset run over the operations above: its manifest, and the
    `documentId` its generated client carries for each operation (`__meta__.hash`)."""
    if shutil.which("node") is None or not (MODULES / "@graphql-codegen" / "cli").exists():
        if os.environ.get("CI"):
            pytest.fail("node and tests/trusted_documents/node_modules are required in CI")
        pytest.skip("graphql-codegen is not installed (run `make test`)")
    app = tmp_path_factory.mktemp("frontend")
    (app / "src").mkdir()
    (app / "src" / "viewer.ts").write_text(VIEWER_TS)
    (app / "src" / "members.graphql").write_text(MEMBERS_GRAPHQL)
    (app / "src" / "organization.ts").write_text(ORGANIZATION_TS)
    schema = Path(__file__).resolve().parent.parent / "schema.graphql"
    config = {
        "schema": str(schema),
        "documents": ["src/**/*.ts", "src/**/*.graphql"],
        "generates": {
            "src/gql/": {"preset": "client", "presetConfig": {"persistedDocuments": True}}
        },
    }
    (app / "codegen.json").write_text(json.dumps(config))
    cli = MODULES / "@graphql-codegen" / "cli" / "cjs" / "bin.js"
    node_tool(str(cli), "--config", "codegen.json", cwd=app)
    generated = (app / "src" / "gql" / "graphql.ts").read_text()
    ids = dict(
        re.findall(r'export const (\w+)Document = \{"__meta__":\{"hash":"([^"]+)"', generated)
    )
    manifest = json.loads((app / "src" / "gql" / "persisted-documents.json").read_text())
    return {"manifest": manifest, "ids": ids}


@pytest.fixture(scope="module")
def strict(
    codegen: dict[str, Any], cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """A seeded database and the environment of an allow-listed server with both manifests."""
    folder = tmp_path_factory.mktemp("manifests")
    (folder / "web.json").write_text(json.dumps(codegen["manifest"]))
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": sha256(body), "name": name, "type": "query", "body": body}
            for name, body in APOLLO_BODIES.items()
        ],
    }
    (folder / "mobile.json").write_text(json.dumps(apollo))
    db = tmp_path_factory.mktemp("trusted") / "trusted.db"
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{db}"}
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed", "--scale", "demo").returncode == 0
    return {**env, "DANGJIAN_ALLOWLIST": "1", "DANGJIAN_TRUSTED_DOCUMENTS": str(folder)}


def bearer(env: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(env, user)}"}


def test_codegen_writes_sha256_document_ids(codegen: dict[str, Any]) -> None:
    """The shape this server reads: `sha256:<hex of the body>` → body, one per operation (the
    fragment goes with the operation that spreads it), and those ids in the generated client."""
    manifest, ids = codegen["manifest"], codegen["ids"]
    assert set(ids) == {"Viewer", "MembersPage", "Organization"}
    assert set(manifest) == set(ids.values())
    for key, body in manifest.items():
        assert key == f"sha256:{sha256(body)}"
    assert "fragment OrgCard" in manifest[ids["Organization"]]


def test_manifest_documents_run_and_nothing_else(
    codegen: dict[str, Any], strict: dict[str, str]
) -> None:
    ids, manifest = codegen["ids"], codegen["manifest"]
    auth = bearer(strict, "jiangjin_admin")
    with serving(strict) as base:
        url = f"{base}/graphql"

        def post(body: dict[str, Any], headers: dict[str, str] = auth) -> httpx.Response:
            return httpx.post(url, json=body, headers=headers, timeout=30)

        viewer = post({"documentId": ids["Viewer"], "operationName": "Viewer"}).json()
        assert viewer["data"]["viewer"]["username"] == "jiangjin_admin"
        district = viewer["data"]["viewer"]["grants"][0]["scope"]
        by_get = httpx.get(url, params={"documentId": ids["Viewer"]}, headers=auth, timeout=30)
        assert by_get.json() == viewer

        first = post({"documentId": ids["MembersPage"], "variables": {"first": 2}}).json()
        members = first["data"]["members"]
        assert len(members["edges"]) == 2 and members["pageInfo"]["hasNextPage"]
        after = {"first": 2, "after": members["pageInfo"]["endCursor"]}
        second = post({"documentId": ids["MembersPage"], "variables": after}).json()
        assert second["data"]["members"]["edges"] != members["edges"]

        by_id = {"id": district["id"]}
        org = post({"documentId": ids["Organization"], "variables": by_id}).json()
        assert org["data"]["organization"]["name"] == district["name"]

        # Apollo Client's APQ link: the hash of graphql-js `print`, for another account too
        names = ["Viewer", "MembersPage", "Organization"]
        hashes = apq_hashes([manifest[ids[n]] for n in names])
        huxi = bearer(strict, "huxi_secretary")
        for name, digest, variables in zip(names, hashes, ({}, {"first": 2}, by_id), strict=True):
            pq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
            answer = post({"extensions": pq, "variables": variables}, huxi).json()
            assert "errors" not in answer and answer["data"], (name, answer)
        bare = ids["Viewer"].removeprefix("sha256:")
        pq = {"persistedQuery": {"version": 1, "sha256Hash": bare}}
        assert post({"extensions": pq}).json() == viewer

        # the manifest's text runs as text, and so does the same document written otherwise
        assert post({"query": manifest[ids["Viewer"]]}).json() == viewer
        spread = manifest[ids["Viewer"]].replace(" { ", " {\n  ")
        assert spread != manifest[ids["Viewer"]]
        assert "errors" not in post({"query": spread}).json()

        # nothing else: not by text, not by hash, not by an unknown id
        adhoc = post({"query": ADHOC})
        assert adhoc.status_code == 400
        assert adhoc.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        pq = {"persistedQuery": {"version": 1, "sha256Hash": sha256(ADHOC)}}
        unknown_hash = post({"extensions": pq}).json()
        assert unknown_hash["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        unknown = post({"documentId": f"sha256:{sha256(ADHOC)}"})
        assert unknown.status_code == 400 and "data" not in unknown.json()
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        both = post({"documentId": ids["Viewer"], "query": manifest[ids["Viewer"]]})
        assert both.status_code == 400
        assert both.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_apollo_manifest_and_saved_queries_run_by_their_ids(strict: dict[str, str]) -> None:
    """An Apollo manifest's ids (as its persisted-query-lists link sends them: the APQ hash)
    and `documentId`; a saved query by the hash of its file and of its printed form."""
    auth = bearer(strict, "jiangjin_admin")
    saved = (QUERIES_DIR / "checkin" / "community_checkins.graphql").read_text()
    [printed] = apq_hashes([saved])
    assert printed != sha256(saved)  # the file's comments are not in its printed form
    with serving(strict) as base:
        url = f"{base}/graphql"

        def post(body: dict[str, Any]) -> dict[str, Any]:
            return httpx.post(url, json=body, headers=auth, timeout=30).json()

        for body in APOLLO_BODIES.values():
            pq = {"persistedQuery": {"version": 1, "sha256Hash": sha256(body)}}
            by_hash = post({"extensions": pq})
            assert "errors" not in by_hash and by_hash["data"]["viewer"]
            assert post({"documentId": sha256(body)}) == by_hash
            assert post({"documentId": f"sha256:{sha256(body)}"}) == by_hash

        crumbs = post({"documentId": sha256(APOLLO_BODIES["Breadcrumbs"])})
        variables = {"community": crumbs["data"]["viewer"]["grants"][0]["scope"]["id"]}
        by_file = post({"documentId": f"sha256:{sha256(saved)}", "variables": variables})
        assert by_file["data"]["organization"]["name"] == "中共重庆市江津区委员会", by_file
        pq = {"persistedQuery": {"version": 1, "sha256Hash": printed}}
        assert post({"extensions": pq, "variables": variables}) == by_file
        assert post({"documentId": f"sha256:{printed}", "variables": variables}) == by_file


FINE = "query Fine { viewer { username } }"
STALE = "query Stale { viewer { nickname } }"
BAD_MANIFESTS = {
    "stale": (
        {"web.json": {f"sha256:{sha256(FINE)}": FINE, f"sha256:{sha256(STALE)}": STALE}},
        "trusted documents web.json: operation Stale: "
        "Cannot query field 'nickname' on type 'Viewer'. Did you mean 'username'?",
    ),
    "wrong hash": (
        {"web.json": {f"sha256:{sha256(STALE)}": FINE}},
        f"trusted documents web.json: operation Fine: the id sha256:{sha256(STALE)} is not "
        "the SHA-256 of its body",
    ),
    "unparsable": (
        {"web.json": {"x-1": "query Broken {"}},
        "trusted documents web.json: operation x-1: Syntax Error: Expected Name, found <EOF>.",
    ),
    "apollo version": (
        {"mobile.json": {"format": "apollo-persisted-query-manifest", "version": 2}},
        "trusted documents mobile.json: only version 1 of apollo-persisted-query-manifest is known",
    ),
    "not a manifest": (
        {"web.json": [FINE]},
        "trusted documents web.json: neither an apollo-persisted-query-manifest nor "
        "graphql-codegen's persisted-documents.json (an object of id → document)",
    ),
    "one id, two documents": (
        {"a.json": {"web-1": FINE}, "b.json": {"web-1": FINE.replace("Fine", "Other")}},
        "trusted documents b.json: operation Other: the id web-1 already names another "
        "document (trusted documents a.json: operation Fine)",
    ),
}


@pytest.mark.parametrize("case", BAD_MANIFESTS)
def test_a_bad_manifest_stops_the_server_with_one_line(
    case: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A manifest `serve` cannot serve (a document that does not validate against this schema:
    the front-end was built against another one) stops it before it listens, with one line
    naming the file and the operation."""
    files, message = BAD_MANIFESTS[case]
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content))
    env = {**cli_env, "DANGJIAN_TRUSTED_DOCUMENTS": str(tmp_path)}
    out = run(env, "serve", "--port", str(free_port()))
    assert (out.returncode, out.stderr.splitlines()) == (2, [f"dangjian: error: {message}"])
