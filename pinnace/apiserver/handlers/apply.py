"""Server-side apply: ``PATCH`` with ``Content-Type: application/apply-patch+yaml`` (applyPatcher).

The body is an applied configuration, YAML or JSON (JSON is YAML). The field manager of the resource
(:meth:`~pinnace.apiserver.rest.resource.ResourceStore.field_manager`) merges it into the live object, prunes
what the manager stopped applying and checks conflicts (409 ``reason: Conflict`` with one
``FieldManagerConflict`` cause per field); then the result takes the path of every patch - structural
decoding, defaulting, the status split, validation, dry run. An object that does not exist is created from
the configuration (201), as upstream's ``forceAllowCreate`` does; through ``/status`` it must exist.
"""

from __future__ import annotations

from typing import Any

import yaml
from aiohttp import web

from pinnace.api.fieldmanager import ApplyError, Conflicts, FieldManager
from pinnace.api.schema import yaml_duplicate_error
from pinnace.apiserver import status
from pinnace.apiserver.handlers import options
from pinnace.apiserver.handlers.decoding import decode_typed
from pinnace.apiserver.handlers.fieldmanagement import WriteOptions
from pinnace.apiserver.requestinfo import RequestInfo
from pinnace.apiserver.rest.resource import ResourceStore

Object = dict[str, Any]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_config(body: bytes, level: str) -> tuple[Object, list[str]]:
    """The applied configuration, and the warnings ``fieldValidation=Warn`` sends for duplicate keys.

    ``yaml.Unmarshal`` into a map: 400 ``error decoding YAML: ...`` when that fails; Strict rejects
    duplicate keys (``yaml.UnmarshalStrict``) with ``error strict decoding YAML: ...``.
    """
    try:
        config = yaml.load(body, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise status.bad_request(f"error decoding YAML: error converting YAML to JSON: {err}") from err
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise status.bad_request(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{_json_kind(config)} into Go value of type map[string]interface {{}}"
        )
    config = _json_numbers(config)
    warnings: list[str] = []
    if level in ("Strict", "Warn"):
        duplicates = yaml_duplicate_error(body)
        if duplicates is not None:
            message = f"error converting YAML to JSON: {duplicates}"
            if level == "Strict":
                raise status.bad_request(f"error strict decoding YAML: {message}")
            warnings.append(message)
    return config, warnings


def _json_kind(value: Any) -> str:
    return "array" if isinstance(value, list) else "string" if isinstance(value, str) else "number"


def _json_numbers(value: Any) -> Any:
    """YAML's values as JSON has them: ``3.0`` is ``3`` (sigs.k8s.io/yaml converts through JSON)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


def _apply(manager: FieldManager, live: Object | None, config: Object, write: WriteOptions) -> Object:
    try:
        return manager.apply(live, config, write.manager, force=write.force)
    except Conflicts as conflicts:
        causes = tuple(status.StatusCause(*cause) for cause in conflicts.causes())
        raise status.Conflict(conflicts.message(), details=status.StatusDetails(causes=causes)) from None
    except ApplyError as err:
        if err.code == 400:
            raise status.bad_request(err.message) from None
        raise status.StatusError(err.message) from None


async def apply_request(
    request: web.Request, info: RequestInfo, rest: ResourceStore, *, level: str, write: WriteOptions
) -> tuple[Object, bool, list[str]]:
    """Apply the request's configuration: (the stored object, whether it was created, warnings)."""
    config, warnings = parse_config(await request.read(), level)
    manager = rest.field_manager(info.subresource)
    dry_run = options.dry_run(request.query.getall("dryRun", []))
    found: list[str] = []

    def finish(result: Object) -> Object:
        metadata = result.setdefault("metadata", {})
        if metadata.get("name") != info.name:
            raise status.bad_request(
                f"the name of the object ({metadata.get('name', '')}) does not match the name on the URL "
                f"({info.name})"
            )
        namespace = metadata.get("namespace")
        if rest.info.namespaced and namespace and namespace != info.namespace:
            raise status.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        typed, decode_warnings = decode_typed(result, rest, level=level, in_patch=True)
        found[:] = decode_warnings
        return typed

    def applied(current: Object) -> Object:
        # As in every patch, the live resourceVersion is no precondition; another one applied is.
        live_version = current["metadata"].get("resourceVersion")
        result = _apply(manager, current, config, write)
        if result.get("metadata", {}).get("resourceVersion") in (None, live_version):
            result.get("metadata", {}).pop("resourceVersion", None)
        return finish(result)

    async def create() -> Object:
        result = _apply(manager, None, config, write)
        uid = result.get("metadata", {}).get("uid")
        if uid:
            raise status.conflict(
                rest.info.plural,
                info.name,
                f"uid mismatch: the provided object specified uid {uid}, and no existing object was found",
                group=rest.info.group,
            )
        return await rest.create(info.namespace, finish(result), dry_run=dry_run)

    stored, created = await rest.update(
        info.namespace,
        info.name,
        applied,
        subresource=info.subresource,
        dry_run=dry_run,
        create_if_missing=None if info.subresource else create,
    )
    return stored, created, [*warnings, *found]
