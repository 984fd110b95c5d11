"""The ranker registry: built-ins and plug-ins by decorator or the ``rankkit.rankers`` entry point."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint, entry_points
from typing import Callable

from rankkit.errors import SpecError, UnknownNameError
from rankkit.rankers.base import Ranker

ENTRY_POINT_GROUP = "rankkit.rankers"
_REGISTRY: dict[str, Callable[..., Ranker] | "EntryPointRanker"] = {}
_entry_points_loaded = False


class EntryPointRanker:
    """A plug-in ranker named by an entry point, imported only when first used."""

    def __init__(self, ep: EntryPoint):
        self.ep = ep
        self.__doc__ = f"plug-in from entry point {ep.value}"

    def load(self) -> Callable[..., Ranker]:
        try:
            return self.ep.load()
        except Exception as e:
            raise RuntimeError(f"ranker plug-in {self.ep.name!r} ({self.ep.value}) failed to load: {e}") from e


def register_ranker(name: str, *, overwrite: bool = False):
    """Class or factory decorator: ``@register_ranker("mine")`` makes ``--ranker mine`` work."""

    def decorate(factory):
        if name in _REGISTRY and _REGISTRY[name] is not factory and not overwrite:
            raise ValueError(f"a ranker named {name!r} is already registered ({_REGISTRY[name]!r})")
        _REGISTRY[name] = factory
        return factory

    return decorate


def unregister_ranker(name: str) -> None:
    """Remove a registered ranker (e.g. one a test registered); unknown names are ignored."""
    _REGISTRY.pop(name, None)


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            _REGISTRY[ep.name] = EntryPointRanker(ep)


def available_rankers() -> list[str]:
    """Names of all registered rankers, plug-ins included."""
    _load_entry_points()
    return sorted(_REGISTRY)


def ranker_factory(name: str) -> Callable[..., Ranker]:
    """The class or factory registered as ``name`` (a plug-in is imported now)."""
    _load_entry_points()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(f"unknown ranker {name!r}; available: {', '.join(available_rankers())}",
                               param="rankers") from None
    return factory.load() if isinstance(factory, EntryPointRanker) else factory


def _parameters(factory) -> tuple[list[inspect.Parameter], bool]:
    """(named parameters in order, whether any other keyword is accepted) of a ranker factory.

    A class whose ``__init__`` passes ``**kwargs`` on to its base takes the base's parameters too.
    """
    named, seen = [], set()
    if inspect.isclass(factory):
        chain = [c.__init__ for c in inspect.getmro(factory) if "__init__" in vars(c) and c is not object]
        if not chain:
            return named, False  # object's __init__: no parameters
    else:
        chain = [factory]
    for fn in chain:
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return named, True
        for p in params:
            if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in seen:
                continue
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                named.append(p)
                seen.add(p.name)
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return named, False
    return named, True


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
        raise SpecError(f"bad ranker spec {spec!r}: use NAME, NAME:ARG or NAME:ARG,key=value")
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
                raise SpecError(f"bad ranker spec {spec!r}: {part!r} is not key=value")
        if positional is not None:
            params, _ = _parameters(ranker_factory(name))
            if not params:
                raise SpecError(f"ranker {name!r} takes no arguments, got {positional!r} in {spec!r}")
            if params[0].name in kwargs:
                raise SpecError(f"bad ranker spec {spec!r}: {params[0].name} given twice")
            kwargs[params[0].name] = _value(positional)
    return name, kwargs


def make_ranker(spec: str, **defaults) -> Ranker:
    """A ranker from a CLI-style spec (see ``parse_ranker_spec``); ``defaults`` fill in keyword
    arguments the spec leaves out and the ranker names as parameters (e.g. a seed)."""
    name, kwargs = parse_ranker_spec(spec)
    params, open_ended = _parameters(ranker_factory(name))
    accepted = {p.name for p in params}
    for key, value in defaults.items():
        if key not in kwargs and key in accepted:
            kwargs[key] = value
    unknown = sorted(set(kwargs) - accepted) if not open_ended else []
    if unknown:
        takes = ", ".join(sorted(accepted)) or "no arguments"
        raise SpecError(f"ranker spec {spec!r}: ranker {name!r} has no parameter {', '.join(unknown)} "
                        f"(it takes {takes})")
    required = [p.name for p in params if p.default is inspect.Parameter.empty and p.name not in kwargs]
    if required:
        raise SpecError(f"ranker spec {spec!r}: ranker {name!r} needs {', '.join(required)}")
    for p in params:
        if p.name in kwargs:
            _check_type(spec, name, p, kwargs[p.name])
    return get_ranker(name, **kwargs)


def _check_type(spec: str, name: str, param: inspect.Parameter, value) -> None:
    """A spec value must fit a parameter whose default (or, for a None default, whose annotation)
    is a number or a bool: specs are text, and a word where a number belongs is the user's error."""
    default = param.default
    if value is None or default is inspect.Parameter.empty:
        return
    if default is None:
        hint = str(param.annotation).replace(" ", "")
        kinds = set(hint.split("|")) - {"None", "Optional"}
        if kinds and kinds <= {"int", "float"}:
            default = 0.0 if "float" in kinds else 0
        else:
            return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        kind = "true or false"
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
            isinstance(default, float) or isinstance(value, int))
        kind = "a whole number" if isinstance(default, int) else "a number"
    else:
        return
    if not ok:
        raise SpecError(f"ranker spec {spec!r}: {param.name} of ranker {name!r} must be {kind}, got {value!r}")


def get_ranker(name: str, **kwargs) -> Ranker:
    """An instance of the ranker registered as ``name``; errors inside its constructor propagate."""
    ranker = ranker_factory(name)(**kwargs)
    if not isinstance(ranker, Ranker) and not callable(getattr(ranker, "score", None)):
        raise TypeError(f"ranker {name!r} produced {ranker!r}, which has no score(problem, generations)")
    return ranker


def ranker_summary(name: str) -> str:
    """The first paragraph of a ranker's docstring, on one line (plug-ins: where they come from,
    without importing them)."""
    _load_entry_points()
    doc = (_REGISTRY[name].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())
