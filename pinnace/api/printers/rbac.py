"""Printers for ``rbac.authorization.k8s.io/v1``, after kubernetes/pkg/printers/internalversion/printers.go.

Only the bindings have printers upstream; Role and ClusterRole are stored without a table convertor and
print the default ``Name``/``Created At`` columns, so they are absent here.
"""

from __future__ import annotations

from datetime import datetime

from pinnace.api.printers.columns import AGE, NAME, Cell, TablePrinter, column, doc, wide
from pinnace.api.printers.durations import translate_timestamp_since
from pinnace.api.printers.fields import Obj, creation_timestamp, get_dict, get_dicts, get_str, name_of


def subjects_strings(subjects: list[Obj]) -> tuple[list[str], list[str], list[str]]:
    """``rbac.SubjectsStrings``: users, groups and ``namespace/name`` service accounts."""
    users: list[str] = []
    groups: list[str] = []
    service_accounts: list[str] = []
    for subject in subjects:
        kind = get_str(subject, "kind")
        if kind == "ServiceAccount":
            service_accounts.append(f"{get_str(subject, 'namespace')}/{get_str(subject, 'name')}")
        elif kind == "User":
            users.append(get_str(subject, "name"))
        elif kind == "Group":
            groups.append(get_str(subject, "name"))
    return users, groups, service_accounts


def binding_cells(obj: Obj, now: datetime) -> list[Cell]:
    role_ref = get_dict(obj, "roleRef")
    users, groups, service_accounts = subjects_strings(get_dicts(obj, "subjects"))
    return [
        name_of(obj),
        f"{get_str(role_ref, 'kind')}/{get_str(role_ref, 'name')}",
        translate_timestamp_since(creation_timestamp(obj), now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(service_accounts),
    ]


def _binding_printer(kind: str, label: str) -> TablePrinter:
    return TablePrinter(
        (
            NAME,
            column("Role", doc(f"rbac/v1beta1.{kind}.roleRef")),
            AGE,
            wide("Users", f"Users in the {label}"),
            wide("Groups", f"Groups in the {label}"),
            wide("ServiceAccounts", f"ServiceAccounts in the {label}"),
        ),
        binding_cells,
    )


ROLE_BINDING = _binding_printer("RoleBinding", "roleBinding")
CLUSTER_ROLE_BINDING = _binding_printer("ClusterRoleBinding", "clusterRoleBinding")

PRINTERS: dict[str, TablePrinter] = {
    "ClusterRoleBinding": CLUSTER_ROLE_BINDING,
    "RoleBinding": ROLE_BINDING,
}
"""``rbac.authorization.k8s.io`` printers by kind."""
