"""HTTP handlers of the resource API: discovery, the REST verbs, watch streams.

Handlers translate between HTTP and :class:`pinnace.apiserver.rest.resource.ResourceStore`:
they decode bodies and query parameters, pick the response form the client asked for (a plain
object, a List, a Table, PartialObjectMetadata), and leave every decision about stored state to
the REST layer.
"""
