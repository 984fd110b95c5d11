"""``rankkit rankers``: what is registered, one line each."""

from __future__ import annotations

from rankkit.cli.app import command, console


@command("rankers")
def list_rankers():
    """List the registered rankers (built-ins and installed plug-ins), one line each."""
    from rankkit.rankers import available_rankers
    from rankkit.rankers.registry import ranker_summary

    for name in available_rankers():
        console.print(f"{name:<18} {ranker_summary(name)}", markup=False, highlight=False, soft_wrap=True)
