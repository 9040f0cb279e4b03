"""MutatingAdmissionWebhook and ValidatingAdmissionWebhook against a fake transport: what is sent, what
users see when webhooks refuse or fail, patches, re-invocation, dry runs, matchConditions."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.apiserver import status
from pinnace.apiserver.admission import AdmissionChain, Operation
from pinnace.apiserver.admission.webhook.client import CallError, Response
from pinnace.apiserver.admission.webhook.mutating import MutatingWebhook
from pinnace.apiserver.admission.webhook.validating import ValidatingWebhook
from pinnace.apiserver.user import UserInfo
from tests.unit.admission_fakes import FakeObjects, attributes, context, namespace, pod, warnings_of
from tests.unit.webhook_fakes import (
    FakeTransport,
    add_configuration,
    allow,
    patch_response,
    respond,
    webhook,
)

Object = dict[str, Any]

NAMESPACES_RESOURCE = ("", "v1", "namespaces")


def objects_with_namespace(labels: dict[str, str] | None = None) -> FakeObjects:
    from pinnace.api.gvk import GroupVersionResource

    return FakeObjects((GroupVersionResource(*NAMESPACES_RESOURCE), namespace("ns", labels)))


def deny(message: str = "", **status_fields: Any) -> Any:
    def answer(review: Object) -> Object:
        result: Object = dict(status_fields)
        if message:
            result["message"] = message
        return respond(review, allowed=False, status=result)

    return answer


# --- validating ---------------------------------------------------------------------------------------


async def test_the_request_a_validating_webhook_receives() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check"))
    transport = FakeTransport(check=allow)
    plugin = ValidatingWebhook(context(objects), transport)
    attrs = attributes(pod("web"), dry_run=False)
    attrs.user = UserInfo(name="alice", uid="u1", groups=("dev",), extra=(("scopes", ("a",)),))
    attrs.options = {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}

    await plugin.validate(attrs)

    target, review = transport.calls[0]
    assert target.url == "https://hooks.test/check?timeout=10s"
    request = review["request"]
    assert review["apiVersion"] == "admission.k8s.io/v1" and review["kind"] == "AdmissionReview"
    assert request == {
        "uid": request["uid"],
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
        "requestResource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "web",
        "namespace": "ns",
        "operation": "CREATE",
        "userInfo": {"username": "alice", "uid": "u1", "groups": ["dev"], "extra": {"scopes": ["a"]}},
        "object": pod("web"),
        "oldObject": None,
        "dryRun": False,
        "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
    }


async def test_v1beta1_is_used_only_when_the_webhook_lists_nothing_newer() -> None:
    objects = objects_with_namespace()
    add_configuration(
        objects, "cfg", webhook("old", versions=("v1beta1",)), webhook("both", versions=("v1", "v1beta1"))
    )
    transport = FakeTransport(old=allow, both=allow)
    await ValidatingWebhook(context(objects), transport).validate(attributes(pod()))
    assert sorted(review["apiVersion"] for _, review in transport.calls) == [
        "admission.k8s.io/v1",
        "admission.k8s.io/v1beta1",
    ]


@pytest.mark.parametrize(
    ("answer", "message", "code", "reason"),
    [
        (
            deny("pods must have a team label"),
            'admission webhook "check" denied the request: pods must have a team label',
            400,
            "",
        ),
        (deny(reason="NoTeam"), 'admission webhook "check" denied the request: NoTeam', 400, "NoTeam"),
        (deny(), 'admission webhook "check" denied the request without explanation', 400, ""),
        (
            deny("no", code=403, reason="Forbidden"),
            'admission webhook "check" denied the request: no',
            403,
            "Forbidden",
        ),
        (deny("low code", code=200), 'admission webhook "check" denied the request: low code', 400, ""),
    ],
    ids=[
        "with a message",
        "with only a reason",
        "without explanation",
        "with its own code",
        "code raised to 400",
    ],
)
async def test_a_validating_webhook_refusal_reads_as_upstream(
    answer: Any, message: str, code: int, reason: str
) -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check"))
    plugin = ValidatingWebhook(context(objects), FakeTransport(check=answer))
    with pytest.raises(status.StatusError) as caught:
        await plugin.validate(attributes(pod()))
    assert (caught.value.message, caught.value.code, caught.value.reason) == (message, code, reason)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            None,
            'failed to call webhook: Post "https://hooks.test/gone?timeout=10s": dial tcp 10.0.0.1:443: connect: connection refused',
        ),
        (
            lambda review: TimeoutError(),
            'failed to call webhook: Post "https://hooks.test/gone?timeout=10s": context deadline exceeded',
        ),
        (
            lambda review: Response(500, b"boom"),
            'failed to call webhook: an error on the server ("boom") has prevented the request from succeeding',
        ),
        (
            lambda review: Response(404, b""),
            "failed to call webhook: the server could not find the requested resource",
        ),
        (
            lambda review: {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"},
            "received invalid webhook response: webhook response was absent",
        ),
        (
            lambda review: {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "response": {"uid": "x", "allowed": True},
            },
            'received invalid webhook response: expected response.uid="UID", got "x"',
        ),
    ],
    ids=["connection refused", "timeout", "server error", "not found", "no response", "wrong uid"],
)
async def test_failure_policy_fail_refuses_with_upstreams_message(answer: Any, reason: str) -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("gone"))
    transport = FakeTransport(**({"gone": answer} if answer else {}))
    plugin = ValidatingWebhook(context(objects), transport)
    with pytest.raises(status.InternalError) as caught:
        await plugin.validate(attributes(pod()))
    uid = transport.calls[0][1]["request"]["uid"]
    assert (
        caught.value.message
        == f'Internal error occurred: failed calling webhook "gone": {reason.replace("UID", uid)}'
    )


async def test_failure_policy_ignore_lets_the_request_through_and_notes_it_for_audit() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("gone", failure_policy="Ignore"))
    attrs = attributes(pod())
    await ValidatingWebhook(context(objects), FakeTransport()).validate(attrs)
    assert attrs.annotations == {"failed-open.validating.webhook.admission.k8s.io/round_0_index_0": "gone"}


async def test_every_matching_validating_webhook_is_called_and_the_first_refusal_in_order_wins() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "b-cfg", webhook("second"), webhook("third"))
    add_configuration(objects, "a-cfg", webhook("first"))
    transport = FakeTransport(first=allow, second=deny("second says no"), third=deny("third says no"))
    with pytest.raises(status.StatusError) as caught:
        await ValidatingWebhook(context(objects), transport).validate(attributes(pod()))
    assert caught.value.message == 'admission webhook "second" denied the request: second says no'
    assert sorted(transport.paths()) == ["first", "second", "third"]


async def test_warnings_and_audit_annotations_of_an_answer() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check"))

    def answer(review: Object) -> Object:
        return respond(
            review, allowed=True, warnings=["image tag latest"], auditAnnotations={"checked": "yes"}
        )

    attrs = attributes(pod())
    await ValidatingWebhook(context(objects), FakeTransport(check=answer)).validate(attrs)
    assert warnings_of(attrs) == ["image tag latest"]
    assert attrs.annotations == {"check/checked": "yes"}


async def test_a_validating_webhook_may_not_patch() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check"))
    transport = FakeTransport(
        check=lambda review: patch_response(review, [{"op": "add", "path": "/x", "value": 1}])
    )
    with pytest.raises(status.InternalError) as caught:
        await ValidatingWebhook(context(objects), transport).validate(attributes(pod()))
    assert caught.value.message.endswith(
        "received invalid webhook response: validating webhook may not return response.patch"
    )


@pytest.mark.parametrize(
    ("side_effects", "called"),
    [("None", True), ("NoneOnDryRun", True), ("Some", False), ("Unknown", False)],
)
async def test_dry_run_reaches_only_webhooks_without_side_effects(side_effects: str, called: bool) -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check", side_effects=side_effects))
    transport = FakeTransport(check=allow)
    attrs = attributes(pod(), dry_run=True)
    if called:
        await ValidatingWebhook(context(objects), transport).validate(attrs)
        assert transport.calls[0][1]["request"]["dryRun"] is True
    else:
        with pytest.raises(status.BadRequest) as caught:
            await ValidatingWebhook(context(objects), transport).validate(attrs)
        assert caught.value.message == 'admission webhook "check" does not support dry run'
        assert transport.calls == []


# --- which webhooks are called ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "ns_labels", "pod_labels", "called"),
    [
        ({}, None, None, True),
        ({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, {"env": "prod"}, None, True),
        ({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, {"env": "dev"}, None, False),
        (
            {"objectSelector": {"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]}},
            None,
            {"skip": "1"},
            False,
        ),
        ({"objectSelector": {"matchLabels": {"app": "web"}}}, None, {"app": "web"}, True),
        (
            {
                "matchConditions": [
                    {"name": "not-system", "expression": "!request.userInfo.username.startsWith('system:')"}
                ]
            },
            None,
            None,
            True,
        ),
        (
            {"matchConditions": [{"name": "only-web", "expression": "object.metadata.name == 'other'"}]},
            None,
            None,
            False,
        ),
    ],
    ids=[
        "no selectors",
        "namespace selector matches",
        "namespace selector does not match",
        "object selector excludes",
        "object selector includes",
        "match condition true",
        "match condition false",
    ],
)
async def test_selectors_and_match_conditions(
    extra: Object, ns_labels: dict[str, str] | None, pod_labels: dict[str, str] | None, called: bool
) -> None:
    objects = objects_with_namespace(ns_labels)
    add_configuration(objects, "cfg", webhook("check", **extra))
    transport = FakeTransport(check=allow)
    obj = pod("web")
    if pod_labels:
        obj["metadata"]["labels"] = pod_labels
    await ValidatingWebhook(context(objects), transport).validate(attributes(obj))
    assert bool(transport.calls) is called


async def test_a_failing_match_condition_refuses_under_fail_and_skips_under_ignore() -> None:
    condition = [{"name": "bad", "expression": "object.metadata.labels.team == 'a'"}]
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check", matchConditions=condition))
    transport = FakeTransport(check=allow)
    with pytest.raises(status.Forbidden) as caught:
        await ValidatingWebhook(context(objects), transport).validate(attributes(pod("web")))
    assert caught.value.message == (
        "pods \"web\" is forbidden: expression 'object.metadata.labels.team == 'a'' resulted in error: "
        "no such key: labels"
    )
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("check", matchConditions=condition, failure_policy="Ignore"))
    await ValidatingWebhook(context(objects), transport).validate(attributes(pod("web")))
    assert transport.calls == []


async def test_webhook_configurations_and_policies_are_never_intercepted() -> None:
    from pinnace.api.gvk import GroupVersionKind, GroupVersionResource

    objects = objects_with_namespace()
    add_configuration(
        objects,
        "cfg",
        webhook(
            "all", rules=[{"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}]
        ),
    )
    transport = FakeTransport(all=deny("no"))
    attrs = attributes(
        {"metadata": {"name": "x"}},
        resource=GroupVersionResource(
            "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"
        ),
        kind=GroupVersionKind("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration"),
        namespace="",
    )
    await ValidatingWebhook(context(objects), transport).validate(attrs)
    assert transport.calls == []


async def test_configurations_are_read_again_when_they_change() -> None:
    objects = objects_with_namespace()
    configuration = add_configuration(objects, "cfg", webhook("check"))
    transport = FakeTransport(check=allow, other=deny("changed"))
    plugin = ValidatingWebhook(context(objects), transport)
    await plugin.validate(attributes(pod()))
    configuration["webhooks"] = [webhook("other")]
    configuration["metadata"]["resourceVersion"] = "999"
    with pytest.raises(status.StatusError):
        await plugin.validate(attributes(pod()))


# --- mutating -----------------------------------------------------------------------------------------


async def test_a_json_patch_is_applied_and_the_object_defaulted_again() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "cfg", webhook("label"), mutating=True)
    operations = [
        {"op": "add", "path": "/metadata/labels", "value": {"team": "a"}},
        {"op": "add", "path": "/spec/containers/-", "value": {"name": "sidecar", "image": "busybox"}},
    ]
    transport = FakeTransport(label=lambda review: patch_response(review, operations))
    attrs = attributes(pod("web"))
    await MutatingWebhook(context(objects), transport).admit(attrs)
    assert attrs.object is not None
    assert attrs.object["metadata"]["labels"] == {"team": "a"}
    sidecar = attrs.object["spec"]["containers"][1]
    assert sidecar["imagePullPolicy"] == "Always"  # defaulted after the patch, as upstream
    assert attrs.annotations == {
        "mutation.webhook.admission.k8s.io/round_0_index_0": '{"configuration":"cfg","webhook":"label","mutated":true}'
    }


async def test_mutating_webhooks_run_in_configuration_name_order_each_seeing_the_last() -> None:
    objects = objects_with_namespace()
    add_configuration(objects, "b", webhook("second"), mutating=True)
    add_configuration(objects, "a", webhook("first"), mutating=True)
    seen: list[Object] = []

    def first(review: Object) -> Object:
        return patch_response(review, [{"op": "add", "path": "/metadata/labels", "value": {"first": "1"}}])

    def second(review: Object) -> Object:
        seen.append(review["request"]["object"]["metadata"].get("labels", {}))
        return allow(review)

    transport = FakeTransport(first=first, second=second)
    await MutatingWebhook(context(objects), transport).admit(attributes(pod()))
    assert transport.paths() == ["first", "second"]
    assert seen == [{"first": "1"}]


async def test_a_mutating_webhook_failure_follows_its_failure_policy() -> None:
    objects = objects_with_namespace()
    add_configuration(
        objects, "cfg", webhook("gone", failure_policy="Ignore"), webhook("down"), mutating=True
    )
    attrs = attributes(pod())
    with pytest.raises(status.InternalError) as caught:
        await MutatingWebhook(context(objects), FakeTransport()).admit(attrs)
    assert caught.value.message == (
        'Internal error occurred: failed calling webhook "down": failed to call webhook: '
        'Post "https://hooks.test/down?timeout=10s": dial tcp 10.0.0.1:443: connect: connection refused'
    )
    assert attrs.annotations["failed-open.mutation.webhook.admission.k8s.io/round_0_index_0"] == "gone"


async def test_reinvocation_if_needed_calls_an_earlier_webhook_again_after_a_later_mutation() -> None:
    objects = objects_with_namespace()
    add_configuration(
        objects,
        "cfg",
        webhook("watcher", reinvocationPolicy="IfNeeded"),
        webhook("never-again", reinvocationPolicy="Never"),
        webhook("labeler"),
        mutating=True,
    )
    watcher_saw: list[Object] = []

    def watcher(review: Object) -> Object:
        watcher_saw.append(review["request"]["object"]["metadata"].get("labels", {}))
        return allow(review)

    def labeler(review: Object) -> Object:
        if review["request"]["object"]["metadata"].get("labels"):
            return allow(review)
        return patch_response(review, [{"op": "add", "path": "/metadata/labels", "value": {"x": "1"}}])

    transport = FakeTransport(watcher=watcher, **{"never-again": allow}, labeler=labeler)
    plugin = MutatingWebhook(context(objects), transport)
    chain = AdmissionChain([("MutatingAdmissionWebhook", plugin)])
    attrs = attributes(pod())
    await chain.admit(attrs)
    assert transport.paths() == ["watcher", "never-again", "labeler", "watcher"]
    assert watcher_saw == [{}, {"x": "1"}]
    assert "mutation.webhook.admission.k8s.io/round_1_index_0" in attrs.annotations


async def test_no_reinvocation_without_a_later_change() -> None:
    objects = objects_with_namespace()
    add_configuration(
        objects, "cfg", webhook("watcher", reinvocationPolicy="IfNeeded"), webhook("quiet"), mutating=True
    )
    transport = FakeTransport(watcher=allow, quiet=allow)
    await AdmissionChain([("MutatingAdmissionWebhook", MutatingWebhook(context(objects), transport))]).admit(
        attributes(pod())
    )
    assert transport.paths() == ["watcher", "quiet"]


async def test_a_patch_for_a_delete_is_an_internal_error() -> None:
    objects = objects_with_namespace()
    rules = [{"operations": ["DELETE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]
    add_configuration(objects, "cfg", webhook("meddler", rules=rules), mutating=True)
    transport = FakeTransport(
        meddler=lambda review: patch_response(review, [{"op": "add", "path": "/x", "value": 1}])
    )
    with pytest.raises(status.InternalError) as caught:
        await MutatingWebhook(context(objects), transport).admit(
            attributes(None, old=pod("web"), operation=Operation.DELETE)
        )
    assert caught.value.message == (
        'Internal error occurred: admission webhook "meddler" attempted to modify the object, which is not '
        "supported for this operation"
    )


async def test_a_service_without_endpoints_fails_with_the_services_url() -> None:
    objects = objects_with_namespace()
    hook = webhook(
        "svc", clientConfig={"service": {"namespace": "ns", "name": "hooks", "path": "/check", "port": 443}}
    )
    add_configuration(objects, "cfg", hook)
    transport = FakeTransport()
    with pytest.raises(status.InternalError) as caught:
        await ValidatingWebhook(context(objects), transport).validate(attributes(pod()))
    assert caught.value.message == (
        'Internal error occurred: failed calling webhook "svc": failed to call webhook: '
        'Post "https://hooks.ns.svc:443/check?timeout=10s": service "hooks" not found'
    )


async def test_a_service_resolves_to_a_ready_endpoint_with_the_service_name_for_tls() -> None:
    from pinnace.api.gvk import GroupVersionResource

    objects = objects_with_namespace()
    objects.put(
        GroupVersionResource("", "v1", "services"),
        {
            "metadata": {"name": "hooks", "namespace": "ns"},
            "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]},
        },
    )
    objects.put(
        GroupVersionResource("discovery.k8s.io", "v1", "endpointslices"),
        {
            "metadata": {
                "name": "hooks-abc",
                "namespace": "ns",
                "labels": {"kubernetes.io/service-name": "hooks"},
            },
            "ports": [{"name": "https", "port": 8443}],
            "endpoints": [
                {"addresses": ["10.1.0.9"], "conditions": {"ready": False}},
                {"addresses": ["127.0.0.1"], "conditions": {"ready": True}},
            ],
        },
    )
    hook = webhook(
        "svc", clientConfig={"service": {"namespace": "ns", "name": "hooks", "path": "/check", "port": 443}}
    )
    add_configuration(objects, "cfg", hook)

    class Recording(FakeTransport):
        async def post(self, target: Any, body: bytes) -> Response:
            self.calls.append((target, {}))
            raise CallError("stop")

    transport = Recording()
    with pytest.raises(status.InternalError):
        await ValidatingWebhook(context(objects), transport).validate(attributes(pod()))
    target = transport.calls[0][0]
    assert (target.url, target.connect, target.server_hostname) == (
        "https://hooks.ns.svc:443/check?timeout=10s",
        "https://127.0.0.1:8443/check?timeout=10s",
        "hooks.ns.svc",
    )
