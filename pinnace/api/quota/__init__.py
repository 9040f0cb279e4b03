"""Quota accounting shared by the ResourceQuota admission plugin (API server) and the resourcequota
controller: what each object is charged (evaluators), resource lists, usage sums (upstream's pkg/quota/v1)."""
