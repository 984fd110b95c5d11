"""The ranker registry: built-ins and plug-ins by decorator or the ``rankkit.rankers`` entry point."""

from __future__ import annotations

import inspect
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
    def load():
        try:
            return ep.load()
        except Exception as e:
            raise RuntimeError(f"ranker plug-in {ep.name!r} ({ep.value}) failed to load: {e}") from e

    def factory(*args, **kwargs):
        return load()(*args, **kwargs)

    factory.__doc__ = f"plug-in from entry point {ep.value}"
    factory.load = load
    return factory


def available_rankers() -> list[str]:
    """Names of all registered rankers, plug-ins included."""
    _load_entry_points()
    return sorted(_REGISTRY)


def _factory(name: str):
    _load_entry_points()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown ranker {name!r}; available: {', '.join(available_rankers())}") from None
    return factory.load() if hasattr(factory, "load") else factory


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def parse_ranker_spec(spec: str) -> tuple[str, dict]:
    """'NAME', 'NAME:ARG' or 'NAME:ARG,key=value,...' -> (name, keyword arguments).

    ARG goes to the ranker's first parameter (``nll:codellama/CodeLlama-7b-hf`` sets the model,
    ``ensemble:nll+codet`` the components); values are read as int, float, bool or text.
    """
    name, sep, rest = spec.partition(":")
    name = name.strip()
    if not name or (sep and not rest):
        raise ValueError(f"bad ranker spec {spec!r}: use NAME, NAME:ARG or NAME:ARG,key=value")
    kwargs: dict = {}
    if rest:
        positional = None
        for i, part in enumerate(rest.split(",")):
            key, eq, value = part.partition("=")
            if eq and key.strip().isidentifier():
                kwargs[key.strip()] = _value(value.strip())
            elif i == 0:
                positional = part.strip()
            else:
                raise ValueError(f"bad ranker spec {spec!r}: {part!r} is not key=value")
        if positional is not None:
            params = [p for p in inspect.signature(_factory(name)).parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"]
            if not params:
                raise ValueError(f"ranker {name!r} takes no arguments, got {positional!r} in {spec!r}")
            if params[0].name in kwargs:
                raise ValueError(f"bad ranker spec {spec!r}: {params[0].name} given twice")
            kwargs[params[0].name] = _value(positional)
    return name, kwargs


def make_ranker(spec: str, **defaults) -> Ranker:
    """A ranker from a CLI-style spec (see ``parse_ranker_spec``); ``defaults`` fill in keyword
    arguments the spec leaves out and the ranker names as parameters (e.g. a seed)."""
    name, kwargs = parse_ranker_spec(spec)
    accepted = inspect.signature(_factory(name)).parameters
    for key, value in defaults.items():
        if key not in kwargs and key in accepted:
            kwargs[key] = value
    try:
        return get_ranker(name, **kwargs)
    except TypeError as e:
        raise ValueError(f"ranker spec {spec!r}: {e}") from None


def get_ranker(name: str, **kwargs) -> Ranker:
    """An instance of the ranker registered as ``name``."""
    factory = _factory(name)
    ranker = factory(**kwargs)
    if not isinstance(ranker, Ranker) and not callable(getattr(ranker, "score", None)):
        raise TypeError(f"ranker {name!r} produced {ranker!r}, which has no score(problem, generations)")
    return ranker


def ranker_summary(name: str) -> str:
    """The first paragraph of a ranker's docstring, on one line (plug-ins: where they come from,
    without importing them)."""
    _load_entry_points()
    doc = (_REGISTRY[name].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())
