#!/usr/bin/env python3
"""Generate ``pinnace/api/data/deprecations.json``: the API lifecycle of every deprecated built-in kind.

Upstream keeps these facts in k8s.io/api as generated Go: each ``<group>/<version>/
zz_generated.prerelease-lifecycle.go`` (from ``k8s:prerelease-lifecycle-gen`` tags) gives a kind's
``APILifecycleDeprecated``, ``APILifecycleRemoved`` and ``APILifecycleReplacement``; the package's
``register.go`` names its group. kube-apiserver warns on every request to a resource whose kind is deprecated
in the running release (apiserver/pkg/endpoints/installer.go, deprecation.WarningMessage).

This reads them from a git checkout of k8s.io/api (github.com/kubernetes/api) at the release's tag, so
nothing in Pinnace is typed by hand. List kinds are left out: the warning is about a resource's own kind.

    python hack/gen_deprecations.py --api-repo /path/to/kubernetes/api[.git] [--tag v0.32.13] [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "pinnace" / "api" / "data" / "deprecations.json"
# k8s.io/api v0.32.x is Kubernetes 1.32's API.
DEFAULT_TAG = "v0.32.13"

_RELEASE = r"func \(in \*(\w+)\) APILifecycle{what}\(\) \(major, minor int\) \{{\s*return (\d+), (\d+)"
_DEPRECATED = re.compile(_RELEASE.format(what="Deprecated"))
_REMOVED = re.compile(_RELEASE.format(what="Removed"))
_REPLACEMENT = re.compile(
    r"func \(in \*(\w+)\) APILifecycleReplacement\(\) schema\.GroupVersionKind \{\s*"
    r'return schema\.GroupVersionKind\{Group: "([^"]*)", Version: "([^"]*)", Kind: "([^"]*)"\}'
)
_GROUP_NAME = re.compile(r'const GroupName = "([^"]*)"')


def _git(api_repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={_git_dir(api_repo)}", *args], capture_output=True, text=True, check=True
    ).stdout


def _git_dir(api_repo: Path) -> Path:
    return api_repo / ".git" if (api_repo / ".git").exists() else api_repo


def collect(api_repo: Path, tag: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    files = _git(api_repo, "ls-tree", "-r", "--name-only", tag).split()
    for path in sorted(f for f in files if f.endswith("/zz_generated.prerelease-lifecycle.go")):
        package = path.rsplit("/", 1)[0]
        version = package.rsplit("/", 1)[-1]
        found = _GROUP_NAME.search(_git(api_repo, "show", f"{tag}:{package}/register.go"))
        if found is None:
            raise SystemExit(f"{package}/register.go names no GroupName")
        group = found.group(1)
        source = _git(api_repo, "show", f"{tag}:{path}")
        removed = {m.group(1): [int(m.group(2)), int(m.group(3))] for m in _REMOVED.finditer(source)}
        replacements = {
            m.group(1): {"group": m.group(2), "version": m.group(3), "kind": m.group(4)}
            for m in _REPLACEMENT.finditer(source)
        }
        for match in _DEPRECATED.finditer(source):
            kind, release = match.group(1), [int(match.group(2)), int(match.group(3))]
            if kind.endswith("List") or release == [0, 0]:
                continue
            entry: dict[str, Any] = {"group": group, "version": version, "kind": kind, "deprecated": release}
            if removed.get(kind, [0, 0]) != [0, 0]:
                entry["removed"] = removed[kind]
            if kind in replacements:
                entry["replacement"] = replacements[kind]
            entries.append(entry)
    return sorted(entries, key=lambda e: (e["group"], e["version"], e["kind"]))


def render(entries: list[dict[str, Any]], tag: str) -> str:
    lines = [json.dumps(entry, sort_keys=True) for entry in entries]
    header = json.dumps({"source": f"k8s.io/api {tag} zz_generated.prerelease-lifecycle.go"})
    return "{" + header[1:-1] + ',\n"kinds": [\n' + ",\n".join(lines) + "\n]}\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-repo", type=Path, required=True, help="a git checkout of k8s.io/api")
    parser.add_argument("--tag", default=DEFAULT_TAG)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    args = parser.parse_args()
    text = render(collect(args.api_repo, args.tag), args.tag)
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run hack/gen_deprecations.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
