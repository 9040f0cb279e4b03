"""REST storage: what each API verb does to objects in the store (kube-apiserver's generic registry).

* ``keys``: where an object lives in the store (``/registry/deployments/default/web``).
* ``codec``: bytes in the store ⇄ JSON dicts carrying their resourceVersion.
* ``strategy``: per-kind hooks (status reset, generation, graceful deletion) around the generic flow.
* ``objectmeta``: what the server fills in on create and keeps on update.
* ``continuetoken``: the opaque ``continue`` of paginated lists.
* ``resource``: :class:`ResourceStore`, create/get/list/update/delete/watch for one resource.
"""
