"""Hollow nodes: many simulated nodes in one process (KWOK-style), their pods moved through stages given as data."""
