"""Column definitions and the printer contract.

A :class:`TablePrinter` is what upstream registers with ``h.TableHandler(columns, printFunc)`` in
kubernetes/pkg/printers/internalversion/printers.go: the ``metav1.TableColumnDefinition`` list and a function
from one object to its row cells. The API server always renders the wide form (pkg/printers/storage calls the
generator with ``Wide: true``) and kubectl hides ``priority`` 1 columns unless ``-o wide``, so a cell function
returns every cell, one per column, in column order.

Column descriptions are the ``SwaggerDoc()`` strings upstream names
(``metav1.ObjectMeta{}.SwaggerDoc()["name"]`` and so on). They live in ``descriptions.json``, keyed
``<group>/<version>.<Type>.<field>``, copied from the ``types_swagger_doc_generated.go`` files of k8s.io/api
and k8s.io/apimachinery v0.32.5; where the type is in the 1.32 OpenAPI document the text equals the OpenAPI
field description (a unit test checks that).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources as package_files
from typing import Literal, TypedDict

from pinnace.api.printers.fields import Obj

Cell = str | int | bool
"""A table cell: upstream emits strings, int64s and bools, and kubectl prints them verbatim."""

ColumnType = Literal["string", "integer", "boolean", "number", "date"]


class ColumnDefinition(TypedDict):
    """``metav1.TableColumnDefinition``; every field is always serialized."""

    name: str
    type: ColumnType
    format: str
    description: str
    priority: int


class RowCondition(TypedDict):
    """``metav1.TableRowCondition`` (pods mark finished rows ``Completed``)."""

    type: str
    status: str
    reason: str
    message: str


CellsFunc = Callable[[Obj, datetime], list[Cell]]
ConditionsFunc = Callable[[Obj], list[RowCondition]]


@dataclass(frozen=True, slots=True)
class TablePrinter:
    """How one kind prints: its columns and its row function.

    ``cells(obj, now)`` must return exactly one cell per column and never read the clock itself;
    ``conditions(obj)``, when set, gives the row's ``conditions``.
    """

    columns: tuple[ColumnDefinition, ...]
    cells: CellsFunc
    conditions: ConditionsFunc | None = None


@functools.cache
def descriptions() -> Mapping[str, str]:
    """Every column description, by ``<group>/<version>.<Type>.<field>``."""
    text = package_files.files(__package__).joinpath("descriptions.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def doc(key: str) -> str:
    """The upstream ``SwaggerDoc()`` text for ``<group>/<version>.<Type>.<field>`` (KeyError if unknown)."""
    return descriptions()[key]


def column(
    name: str,
    description: str,
    *,
    type: ColumnType = "string",
    format: str = "",
    priority: int = 0,
) -> ColumnDefinition:
    return {"name": name, "type": type, "format": format, "description": description, "priority": priority}


def wide(name: str, description: str, *, type: ColumnType = "string") -> ColumnDefinition:
    """A ``priority: 1`` column, shown by kubectl only with ``-o wide``."""
    return column(name, description, type=type, priority=1)


NAME = column("Name", doc("meta/v1.ObjectMeta.name"), format="name")
AGE = column("Age", doc("meta/v1.ObjectMeta.creationTimestamp"))
CONTAINERS = wide("Containers", "Names of each container in the template.")
IMAGES = wide("Images", "Images referenced by each container in the template.")
