"""Strict decoding for ``fieldValidation``: duplicate fields, and the messages Strict and Warn produce.

Reproduces:

* sigs.k8s.io/json ``UnmarshalStrict`` (``internal/golang/encoding/json/kubernetes_patch.go``): a key seen
  twice in one JSON object is ``duplicate field "<path>"``, the path built like an unknown field's
  (``spec.template.spec.containers[0].name``); errors are de-duplicated and capped at 100;
* sigs.k8s.io/yaml ``YAMLToJSONStrict`` (goyaml.v2 ``setMapIndex`` in strict mode) for YAML bodies:
  ``yaml: unmarshal errors:\\n  line 7: key "replicas" already set in map``, the line being that of the second
  value;
* apimachinery ``runtime.strictDecodingError``: ``strict decoding error: <error>, <error>``, the 400 message
  body of ``fieldValidation=Strict`` (kube-apiserver prefixes it like any decode error:
  ``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ...``);
* apiserver ``endpoints/handlers`` ``addStrictDecodingWarnings``/``parseYAMLWarnings``: under
  ``fieldValidation=Warn`` one warning per error, a YAML error split into one warning per line.

Which duplicates count depends on the type (none inside ``RawExtension``, none of unknown fields), so
:meth:`pinnace.api.schema.SchemaRegistry.decode` takes the paths found here and keeps those upstream reports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Final

import orjson
import yaml

from pinnace.api.gofmt import go_float, go_quote

MAX_STRICT_ERRORS: Final = 100  # kubernetes_patch.go saveStrictError: "prevent excessive numbers"
_YAML_SHORT_PREFIX: Final = "yaml: unmarshal errors:\n"
_YAML_LONG_PREFIX: Final = "error converting YAML to JSON: yaml: unmarshal errors:\n"


def unknown_field(path: str) -> str:
    return f"unknown field {go_quote(path)}"


def duplicate_field(path: str) -> str:
    return f"duplicate field {go_quote(path)}"


def strict_decoding_message(errors: Sequence[str]) -> str:
    """``runtime.NewStrictDecodingError(errs).Error()``."""
    return "strict decoding error: " + ", ".join(errors)


def strict_warnings(errors: Sequence[str]) -> list[str]:
    """The ``Warning`` texts of ``fieldValidation=Warn``: one per error, a YAML error one per line."""
    warnings: list[str] = []
    for error in errors:
        for prefix in (_YAML_SHORT_PREFIX, _YAML_LONG_PREFIX):
            if error.startswith(prefix):
                warnings += [line.strip() for line in error.removeprefix(prefix).split("\n")]
                break
        else:
            warnings.append(error)
    return warnings


class _Duplicated(dict[str, Any]):
    """A JSON object that had repeated keys; ``repeated`` lists them in order of their repetition."""

    __slots__ = ("repeated",)
    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    duplicated = _Duplicated(obj)
    seen: set[str] = set()
    duplicated.repeated = []
    for key, _ in pairs:
        if key in seen:
            duplicated.repeated.append(key)
        seen.add(key)
    return duplicated


# An escape in a JSON string. With escapes gone, quotes alternate between opening and closing strings, and
# outside strings a ":" can only separate a key from its value.
_ESCAPE: Final = re.compile(rb"\\.", re.S)
_UNPARSED: Final[Any] = object()


def _count_keys(value: Any) -> int:
    count = 0
    if type(value) is dict:
        count = len(value)
        value = value.values()
    elif type(value) is not list:
        return 0
    for item in value:
        if type(item) is dict or type(item) is list:
            count += _count_keys(item)
    return count


def _count_raw_keys(raw: bytes) -> int:
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)
    return b"".join(raw.split(b'"')[::2]).count(b":")


def find_duplicate_fields(body: bytes | str, parsed: Any = _UNPARSED) -> list[str]:
    """Paths of keys repeated within one JSON object of ``body``, in document order, each once.

    Every object counts, as when upstream decodes into a map (custom resources); for a built-in kind, pass
    them to ``SchemaRegistry.decode``, which keeps the ones its Go type reports. Not JSON: no duplicates.
    ``parsed`` is ``body`` already parsed (by orjson): a body whose keys, counted in the raw text, are as
    many as the parsed objects hold has no duplicates, which spares nearly every body a second parse.
    """
    raw = body.encode() if isinstance(body, str) else body
    if parsed is _UNPARSED:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = _UNPARSED
    if parsed is not _UNPARSED and _count_keys(parsed) == _count_raw_keys(raw):
        return []
    try:
        tree = json.loads(raw, object_pairs_hook=_pairs)
    except ValueError:
        return []
    paths: list[str] = []
    _collect(tree, "", paths)
    return list(dict.fromkeys(paths))[:MAX_STRICT_ERRORS]


def _collect(value: Any, path: str, out: list[str]) -> None:
    if isinstance(value, dict):
        repeated = value.repeated if isinstance(value, _Duplicated) else ()
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key in repeated:
                out.append(child)
            if isinstance(item, dict | list):
                _collect(item, child, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _collect(item, f"{path}[{index}]", out)


# YAML ----------------------------------------------------------------------------------------------------

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _go_key(key: Any) -> str:
    """``%#v`` of a decoded YAML key, as goyaml.v2 prints it."""
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return go_float(key)
    if isinstance(key, str):
        return go_quote(key)
    return str(key)


def yaml_duplicate_error(body: bytes | str) -> str | None:
    """``YAMLToJSONStrict``'s error for keys repeated in one mapping of the first document, or None."""
    loader = _Loader(body)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if root is None:
        return None
    constructor = yaml.SafeLoader("")
    lines: list[str] = []
    _yaml_walk(root, constructor, lines, set())
    return _YAML_SHORT_PREFIX + "\n".join(f"  {line}" for line in lines) if lines else None


def _yaml_walk(node: yaml.Node, constructor: yaml.SafeLoader, out: list[str], active: set[int]) -> None:
    if id(node) in active:  # a recursive alias
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[tuple[str, Any]] = set()
        for key_node, value_node in node.value:
            _yaml_walk(value_node, constructor, out, active)
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            try:
                key = constructor.construct_object(key_node, deep=True)
            except yaml.YAMLError:
                continue
            identity = (type(key).__name__, key if _hashable(key) else repr(key))
            if identity in seen:
                out.append(f"line {value_node.start_mark.line + 1}: key {_go_key(key)} already set in map")
            seen.add(identity)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _yaml_walk(item, constructor, out, active)
    active.discard(id(node))


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
