"""The ``pinnace`` command: the only place where sync code, argv and process signals live.

Each subcommand turns its flags into a component's frozen config and runs the component's
``async def run(...)`` under :func:`pinnace.cli.lifecycle.run_until_signalled`; ``pinnace up``
supervises one child process per component.
"""
