"""The scheduling framework's extension points, as upstream declares them (framework/interface.go).

A scheduling *profile* is an ordered list of plugins per extension point. For one pod, one cycle runs:

```
 queue ─► PreEnqueue ─► QueueSort ─► PreFilter ─► Filter ─► (PostFilter if no node fits)
                                                      │
                    PreScore ─► Score ─► NormalizeScore ─► (weighted sum, select host) ─► Reserve ─► Permit
                                                                                               │
                                         binding cycle (async): PreBind ─► Bind ─► PostBind ◄──┘
```

Contracts callers rely on, written where they are declared (style.md rule 3):

* A status of ``None`` is success, exactly like a nil ``*Status`` upstream.
* Plugins talk to each other only through :class:`CycleState`; they never keep per-pod state on ``self``.
* ``Unschedulable`` means "might fit after the cluster changes (preemption may help)";
  ``UnschedulableAndUnresolvable`` means "preemption cannot help on this node"; ``Error`` aborts the cycle.
* ``Skip`` from PreFilter (PreScore) means the plugin's Filter (Score) is not run for this pod at all.

Pinnace adds one thing upstream does not have: plugins may offer a *vectorised* path
(:class:`VectorFilterPlugin.filter_all`, :class:`VectorScorePlugin.score_all`) that decides for every node of
the snapshot at once with numpy. The per-node methods stay, with identical results, for tests and for
preemption's what-if evaluation on cloned nodes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from pinnace.scheduler.framework.snapshot import Snapshot
    from pinnace.scheduler.framework.types import NodeInfo, PodInfo

#: The highest score a Score plugin may give after normalisation (framework.MaxNodeScore).
MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0
#: Total score can't exceed this (framework.MaxTotalScore).
MAX_TOTAL_SCORE = 2**63 - 1

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Code(enum.IntEnum):
    """Status codes (framework.Code), in upstream's order."""

    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


@dataclass(frozen=True, slots=True)
class Status:
    """The result of running a plugin: a code, the reasons a user reads, the plugin that said it.

    ``reasons`` are what ``kubectl describe pod`` ends up showing; a FitError counts each reason per node.
    """

    code: Code
    reasons: tuple[str, ...] = ()
    plugin: str = ""
    error: BaseException | None = None

    @classmethod
    def new(cls, code: Code, *reasons: str) -> Status:
        return cls(code, tuple(reasons))

    @classmethod
    def as_status(cls, err: BaseException) -> Status:
        """``framework.AsStatus``: an ``Error`` whose reason is the error's message."""
        return cls(Code.Error, (str(err),), error=err)

    def message(self) -> str:
        """``Status.Message``: reasons joined by ``", "``."""
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> Status:
        return Status(self.code, self.reasons, plugin, self.error)

    def as_error(self) -> Exception:
        if isinstance(self.error, Exception):
            return self.error
        return SchedulingError(self.message())


class SchedulingError(Exception):
    """An ``Error`` status turned into an exception."""


def is_success(status: Status | None) -> bool:
    return status is None or status.code is Code.Success


def is_skip(status: Status | None) -> bool:
    return status is not None and status.code is Code.Skip


def is_rejected(status: Status | None) -> bool:
    """``Status.IsRejected``: Unschedulable, UnschedulableAndUnresolvable or Pending."""
    return status is not None and status.code in (
        Code.Unschedulable,
        Code.UnschedulableAndUnresolvable,
        Code.Pending,
    )


def code_of(status: Status | None) -> Code:
    return Code.Success if status is None else status.code


class StateData(Protocol):
    """What plugins store in :class:`CycleState`; ``clone`` is used by preemption's what-if runs."""

    def clone(self) -> StateData: ...


class CycleState:
    """Per-cycle key/value store shared by a profile's plugins (framework.CycleState).

    Only one scheduling cycle uses a CycleState; preemption clones it to evaluate nodes independently.
    """

    __slots__ = ("_storage", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self) -> None:
        self._storage: dict[str, Any] = {}
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def read(self, key: str) -> Any:
        """The value stored under ``key``; ``KeyError`` (upstream's ErrNotFound) when absent."""
        return self._storage[key]

    def get(self, key: str) -> Any:
        return self._storage.get(key)

    def write(self, key: str, value: Any) -> None:
        self._storage[key] = value

    def delete(self, key: str) -> None:
        self._storage.pop(key, None)

    def clone(self) -> CycleState:
        copy = CycleState()
        for key, value in self._storage.items():
            clone = getattr(value, "clone", None)
            copy._storage[key] = clone() if callable(clone) else value
        copy.skip_filter_plugins = set(self.skip_filter_plugins)
        copy.skip_score_plugins = set(self.skip_score_plugins)
        return copy


@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """``framework.PreFilterResult``: ``node_names=None`` means every node is eligible."""

    node_names: frozenset[str] | None = None

    def all_nodes(self) -> bool:
        return self.node_names is None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        if other is None or other.all_nodes():
            return self
        if self.all_nodes():
            return other
        assert self.node_names is not None and other.node_names is not None
        return PreFilterResult(self.node_names & other.node_names)


class NominatingMode(enum.Enum):
    NOOP = 0
    OVERRIDE = 1


@dataclass(frozen=True, slots=True)
class PostFilterResult:
    """``framework.PostFilterResult``: what PostFilter wants done with the pod's nominatedNodeName."""

    nominated_node_name: str = ""
    mode: NominatingMode = NominatingMode.OVERRIDE


@dataclass(slots=True)
class FilterOutcome:
    """A vectorised Filter result over the snapshot's nodes.

    ``codes[i] == 0``: node ``i`` passes; ``codes[i] == k > 0``: it fails with ``statuses[k - 1]``.
    """

    codes: npt.NDArray[np.int32]
    statuses: list[Status] = field(default_factory=list)


class NodeToStatusReader(Protocol):
    """What PostFilter reads: the status of each node after Filter (framework.NodeToStatusReader)."""

    def get(self, node_name: str) -> Status: ...


class Plugin(Protocol):
    """Every plugin has a unique name (its ``NAME`` constant)."""

    @property
    def name(self) -> str: ...


@runtime_checkable
class PreEnqueuePlugin(Plugin, Protocol):
    """Runs before a pod is added to activeQ. A non-success status parks the pod in unschedulablePods
    until an event for one of the plugin's registered cluster events arrives. Must be cheap."""

    def pre_enqueue(self, pod: PodInfo) -> Status | None: ...


@runtime_checkable
class QueueSortPlugin(Plugin, Protocol):
    """Orders activeQ. Only one QueueSort plugin may be enabled, and all profiles must share it.

    ``sort_key`` gives a tuple that sorts ascending in ``less``'s order (so the queue can use a heap).
    """

    def less(self, a: QueuedPodLike, b: QueuedPodLike) -> bool: ...

    def sort_key(self, pod: QueuedPodLike) -> tuple[Any, ...]: ...


class QueuedPodLike(Protocol):
    """The parts of a queued pod a QueueSort plugin reads."""

    @property
    def pod_info(self) -> PodInfo: ...

    @property
    def timestamp(self) -> float: ...


class PreFilterExtensions(Protocol):
    """Incremental updates of PreFilter state when preemption adds or removes pods on a node."""

    def add_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status | None: ...

    def remove_pod(
        self, state: CycleState, pod_to_schedule: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status | None: ...


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    """Computes pod-wide state once per cycle. Unschedulable(AndUnresolvable) here rejects the pod on every
    node; Skip disables the plugin's Filter for this pod. A :class:`PreFilterResult` narrows the nodes."""

    def pre_filter(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot
    ) -> tuple[PreFilterResult | None, Status | None]: ...

    def pre_filter_extensions(self) -> PreFilterExtensions | None: ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    """Decides whether the pod can run on one node. Must not modify ``node_info``. Called concurrently
    (upstream) or over clones (preemption), so it reads only ``state``, ``pod`` and ``node_info``."""

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None: ...


@runtime_checkable
class VectorFilterPlugin(FilterPlugin, Protocol):
    """Pinnace's vectorised Filter: the same decision as :meth:`filter` for every snapshot node at once.
    Returning ``None`` means every node passes."""

    def filter_all(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> FilterOutcome | None: ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    """Runs when no node passed Filter (e.g. preemption). Success means the pod may fit after the plugin's
    action (the result may nominate a node); the pod is still retried in a later cycle."""

    async def post_filter(
        self, state: CycleState, pod: PodInfo, filtered_node_status: NodeToStatusReader
    ) -> tuple[PostFilterResult | None, Status | None]: ...


@runtime_checkable
class PreScorePlugin(Plugin, Protocol):
    """Computes pod-wide scoring state from the nodes that passed Filter. Skip disables the plugin's Score."""

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Status | None: ...


class ScoreExtensions(Protocol):
    """NormalizeScore: rescale the raw scores of all filtered nodes (in place) to [0, MAX_NODE_SCORE]."""

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: IntArray, nodes: Sequence[NodeInfo]
    ) -> Status | None: ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    """Ranks one node that passed Filter. Scores must be within [0, MAX_NODE_SCORE] after normalisation."""

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> tuple[int, Status | None]: ...

    def score_extensions(self) -> ScoreExtensions | None: ...


@runtime_checkable
class VectorScorePlugin(ScorePlugin, Protocol):
    """Pinnace's vectorised Score over the snapshot rows ``indices`` (the filtered nodes, in order)."""

    def score_all(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, indices: npt.NDArray[np.intp]
    ) -> IntArray: ...


@runtime_checkable
class ReservePlugin(Plugin, Protocol):
    """Reserve claims resources for the pod on the chosen node before binding; Unreserve undoes it and must
    be idempotent (it also runs when a later extension point fails)."""

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None: ...

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None: ...


@runtime_checkable
class PermitPlugin(Plugin, Protocol):
    """Approves (Success), denies (Unschedulable) or delays (Wait, with a timeout in seconds) binding."""

    def permit(self, state: CycleState, pod: PodInfo, node_name: str) -> tuple[Status | None, float]: ...


@runtime_checkable
class PreBindPlugin(Plugin, Protocol):
    """Runs before Bind, in the binding cycle (e.g. provisioning volumes). Failure un-reserves the pod."""

    async def pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None: ...


@runtime_checkable
class BindPlugin(Plugin, Protocol):
    """Binds the pod to the node. Skip passes to the next Bind plugin; the first non-Skip answer decides."""

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None: ...


@runtime_checkable
class PostBindPlugin(Plugin, Protocol):
    """Informational, after a successful bind (e.g. clean-up)."""

    def post_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> None: ...


class EnqueueExtensions(Protocol):
    """``EventsToRegister``: the cluster events that may make a pod this plugin rejected schedulable."""

    def events_to_register(self) -> Sequence[ClusterEventWithHint]: ...


# Cluster events (pkg/scheduler/framework/types.go) ----------------------------------------------------------


class EventResource(enum.StrEnum):
    POD = "Pod"
    ASSIGNED_POD = "AssignedPod"
    UNSCHEDULED_POD = "UnschedulablePod"
    NODE = "Node"
    PERSISTENT_VOLUME = "PersistentVolume"
    PERSISTENT_VOLUME_CLAIM = "PersistentVolumeClaim"
    STORAGE_CLASS = "storage.k8s.io/StorageClass"
    CSI_NODE = "storage.k8s.io/CSINode"
    NAMESPACE = "Namespace"
    WILDCARD = "*"


class ActionType(enum.IntFlag):
    """What happened to the resource (framework.ActionType); several may be OR-ed."""

    Add = 1 << 0
    Delete = 1 << 1
    UpdateNodeAllocatable = 1 << 2
    UpdateNodeLabel = 1 << 3
    UpdateNodeTaint = 1 << 4
    UpdateNodeCondition = 1 << 5
    UpdateNodeAnnotation = 1 << 6
    UpdatePodLabel = 1 << 7
    UpdatePodScaleDown = 1 << 8
    UpdatePodTolerations = 1 << 9
    UpdatePodSchedulingGatesEliminated = 1 << 10
    Update = (
        UpdateNodeAllocatable
        | UpdateNodeLabel
        | UpdateNodeTaint
        | UpdateNodeCondition
        | UpdateNodeAnnotation
        | UpdatePodLabel
        | UpdatePodScaleDown
        | UpdatePodTolerations
        | UpdatePodSchedulingGatesEliminated
    )
    All = (1 << 11) - 1


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """A change in the cluster, labelled like upstream's metrics (``NodeAdd``, ``AssignedPodDelete``...)."""

    resource: EventResource
    action: ActionType
    label: str = ""

    def is_wildcard(self) -> bool:
        return self.resource is EventResource.WILDCARD and self.action == ActionType.All

    def matches(self, incoming: ClusterEvent) -> bool:
        """``ClusterEvent.Match``: a registered event matches an incoming one of the same resource with an
        overlapping action (``Pod`` covers ``AssignedPod`` and ``UnschedulablePod``)."""
        if self.is_wildcard():
            return True
        if self.resource is EventResource.WILDCARD or self.resource == incoming.resource:
            return bool(self.action & incoming.action)
        if self.resource is EventResource.POD and incoming.resource in (
            EventResource.ASSIGNED_POD,
            EventResource.UNSCHEDULED_POD,
        ):
            return bool(self.action & incoming.action)
        return False


class QueueingHint(enum.Enum):
    QUEUE_SKIP = 0
    QUEUE = 1


#: ``QueueingHintFn(pod, old, new) -> QueueingHint``: may the event make this rejected pod schedulable?
QueueingHintFn = Callable[["PodInfo", Any, Any], QueueingHint]


@dataclass(frozen=True, slots=True)
class ClusterEventWithHint:
    event: ClusterEvent
    hint: QueueingHintFn | None = None


WILDCARD_EVENT = ClusterEvent(EventResource.WILDCARD, ActionType.All, "WildCardEvent")
UNSCHEDULABLE_TIMEOUT = ClusterEvent(EventResource.WILDCARD, ActionType.All, "UnschedulableTimeout")
FORCE_ACTIVATE = ClusterEvent(EventResource.WILDCARD, ActionType.All, "ForceActivate")

#: Factory signature every plugin module exports as ``new``: args from KubeSchedulerConfiguration (a dict,
#: possibly empty) and the framework :class:`~pinnace.scheduler.framework.handle.Handle`.
PluginFactory = Callable[[Mapping[str, Any], Any], Plugin]
