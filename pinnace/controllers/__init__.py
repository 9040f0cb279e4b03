"""The controller manager: one module per controller, each a level-triggered loop over the HTTP API."""
