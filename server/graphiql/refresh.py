"""Refresh the vendored GraphiQL assets from the npm registry: `make graphiql-assets`.

vendor.json pins each package's version and names the files taken from it; change a version
there, run this, and review the diff. It copies the files into static/, records their SHA-256
in vendor.json (tests/test_graphiql.py checks the files against it) and writes NOTICE.md: each
package's licence, what its bundle carries inside it and every licence text involved."""

import hashlib
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MANIFEST = HERE / "vendor.json"
NOTICE = HERE / "NOTICE.md"
# webpack keeps each module's path in a UMD bundle that is not minified (graphiql.min.js)
BUNDLED_PATH = re.compile(r"node_modules/((?:@[\w.-]+/)?[\w.-]+)")
LICENCE_FILE = re.compile(r"^(licen[cs]e|copying)(\.\w+)?$", re.I)


def npm_install(prefix: Path, specs: list[str]) -> None:
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--ignore-scripts",
         "--prefix", str(prefix), *specs],
        check=True,
    )  # fmt: skip


def installed(modules: Path, name: str) -> Path | None:
    """The folder of `name` in the install: top level first, else the first nested copy."""
    top = modules / name
    if (top / "package.json").exists():
        return top
    nested = sorted(modules.glob(f"**/node_modules/{name}/package.json"))
    return nested[0].parent if nested else None


def package_json(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "package.json").read_text())
    return data


def dependencies(modules: Path, name: str, seen: set[str]) -> set[str]:
    """`name`'s runtime dependencies, transitively, as npm installed them."""
    folder = installed(modules, name)
    if folder is None:
        return set()
    found: set[str] = set()
    for dep in package_json(folder).get("dependencies", {}):
        if dep not in seen:
            seen.add(dep)
            found |= {dep, *dependencies(modules, dep, seen)}
    return found


def licence_text(folder: Path, meta: dict[str, Any]) -> str:
    for path in sorted(folder.iterdir()):
        if LICENCE_FILE.match(path.name):
            return path.read_text().strip()
    repo = meta.get("repository")
    where = repo.get("url") if isinstance(repo, dict) else repo
    return f"(the package ships no licence file; package.json declares {meta.get('license')}; "\
        f"source: {where or 'not given'})"  # fmt: skip


def main() -> None:
    manifest = json.loads(MANIFEST.read_text())
    packages = manifest["packages"]
    vendored = {p["name"] for p in packages}
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp)
        npm_install(prefix, [f"{p['name']}@{p['version']}" for p in packages])
        modules = prefix / "node_modules"
        digests: dict[str, str] = {}
        inside: dict[str, set[str]] = {}
        for p in packages:
            folder = modules / p["name"]
            assert package_json(folder)["version"] == p["version"], p
            carried = dependencies(modules, p["name"], set(vendored))
            for source, target in p["files"].items():
                data = (folder / source).read_bytes()
                (STATIC / target).write_bytes(data)
                digests[target] = hashlib.sha256(data).hexdigest()
                carried |= set(BUNDLED_PATH.findall(data.decode("utf-8", "replace")))
            inside[p["name"]] = carried - vendored
        missing = sorted({n for c in inside.values() for n in c if not installed(modules, n)})
        if missing:  # bundled at build time without being a runtime dependency
            npm_install(prefix, missing)
        NOTICE.write_text(notice(packages, modules, inside))
    manifest["sha256"] = dict(sorted(digests.items()))
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"refreshed {len(digests)} files in {STATIC}; review NOTICE.md and the diff")


def notice(packages: list[dict[str, Any]], modules: Path, inside: dict[str, set[str]]) -> str:
    lines = [
        "# Third-party notices for the GraphiQL assets",
        "",
        "Written by `make graphiql-assets` (server/graphiql/refresh.py); do not edit by hand.",
        "The files in static/ other than `init.js` and `page.css` come unchanged from these npm",
        "packages (SHA-256 in vendor.json):",
        "",
        "| package | version | licence | files |",
        "| --- | --- | --- | --- |",
    ]
    texts: dict[str, list[str]] = {}
    for p in packages:
        folder = modules / p["name"]
        meta = package_json(folder)
        files = ", ".join(f"`{t}`" for t in p["files"].values())
        lines.append(f"| {p['name']} | {p['version']} | {meta.get('license')} | {files} |")
        texts.setdefault(licence_text(folder, meta), []).append(f"{p['name']} {p['version']}")
    for p in packages:
        if not inside[p["name"]]:
            continue
        lines += [
            "",
            f"## Bundled inside {p['name']} {p['version']}",
            "",
            "Found in the bundle (module paths) or among the package's runtime dependencies;",
            "the version is the one npm installs with it, which the bundle may not match exactly.",
            "",
            "| module | version | licence |",
            "| --- | --- | --- |",
        ]
        for name in sorted(inside[p["name"]]):
            folder_or_none = installed(modules, name)
            if folder_or_none is None:
                raise SystemExit(f"{name} (bundled in {p['name']}) is not on the npm registry")
            meta = package_json(folder_or_none)
            lines.append(f"| {name} | {meta.get('version')} | {meta.get('license')} |")
            named = texts.setdefault(licence_text(folder_or_none, meta), [])
            if name not in named:  # react and react-dom carry the same modules
                named.append(name)
    lines += ["", "## Licence texts"]
    for text, names in texts.items():
        lines += ["", f"### {', '.join(names)}", "", "```", text, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
