"""The ranker registry: built-ins and plug-ins by decorator or the ``rankkit.rankers`` entry point."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Callable

from rankkit.rankers.base import Ranker

ENTRY_POINT_GROUP = "rankkit.rankers"
_REGISTRY: dict[str, Callable[..., Ranker]] = {}
_entry_points_loaded = False


def register_ranker(name: str, *, overwrite: bool = False):
    """Class or factory decorator: ``@register_ranker("mine")`` makes ``--ranker mine`` work."""

    def decorate(factory):
        if name in _REGISTRY and _REGISTRY[name] is not factory and not overwrite:
            raise ValueError(f"a ranker named {name!r} is already registered ({_REGISTRY[name]!r})")
        _REGISTRY[name] = factory
        return factory

    return decorate


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            _REGISTRY[ep.name] = _lazy(ep)


def _lazy(ep):
    def factory(**kwargs):
        try:
            target = ep.load()
        except Exception as e:
            raise RuntimeError(f"ranker plug-in {ep.name!r} ({ep.value}) failed to load: {e}") from e
        return target(**kwargs)

    factory.__doc__ = f"plug-in from entry point {ep.value}"
    return factory


def available_rankers() -> list[str]:
    """Names of all registered rankers, plug-ins included."""
    _load_entry_points()
    return sorted(_REGISTRY)


def get_ranker(name: str, **kwargs) -> Ranker:
    """An instance of the ranker registered as ``name``."""
    _load_entry_points()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown ranker {name!r}; available: {', '.join(available_rankers())}") from None
    ranker = factory(**kwargs)
    if not isinstance(ranker, Ranker) and not callable(getattr(ranker, "score", None)):
        raise TypeError(f"ranker {name!r} produced {ranker!r}, which has no score(problem, generations)")
    return ranker
