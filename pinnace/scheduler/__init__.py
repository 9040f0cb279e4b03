"""The scheduler: Kubernetes' scheduling framework (queue, cache, extension points) and default plugins."""
