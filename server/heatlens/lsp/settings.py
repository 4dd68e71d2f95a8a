"""Typed settings from initializationOptions and `workspace/didChangeConfiguration` (docs/protocol.md).

Parsed once per change. Anything invalid falls back to its default, and the caller shows the returned
problems to the user (window/showMessage) so that a typo never goes silently ignored.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override


def _share(_inst: Any, attribute: "attrs.Attribute[Any]", value: Any) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


def _non_negative(_inst: Any, attribute: "attrs.Attribute[Any]", value: Any) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.define
class DiagnosticsSettings:
    warning_share: float = attrs.field(default=0.02, validator=_share)
    info_share: float = attrs.field(default=0.005, validator=_share)


@attrs.define
class Settings:
    backend: str = "auto"
    python: str = ""
    timeout: float = attrs.field(default=300.0, validator=_non_negative)
    memory_limit_mb: int = attrs.field(default=0, validator=_non_negative)
    memory: str = attrs.field(default="sampled", validator=attrs.validators.in_(("off", "sampled", "full")))
    exceptions: bool = False  # count caught exceptions on Python < 3.12 too (the agent's trace hook: slows calls)
    children: bool = True  # profile the target's Python child processes too
    env_allow: List[str] = attrs.Factory(list)  # names/globs of the daemon's environment the program gets ([]: all)
    heat_threshold: float = attrs.field(default=0.01, validator=_share)
    hint_threshold: float = attrs.field(default=0.02, validator=_share)
    user_code: List[str] = attrs.Factory(list)
    store_path: str = ""
    diagnostics: DiagnosticsSettings = attrs.Factory(DiagnosticsSettings)
    client_commands: bool = False


attrs.resolve_types(DiagnosticsSettings)
attrs.resolve_types(Settings)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)

    def strict_bool(value: Any, _t: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value

    def strict_str(value: Any, _t: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value

    def number(kind: type) -> Any:
        def hook(value: Any, _t: Any) -> Any:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expected a number, got {value!r}")
            return kind(value)

        return hook

    conv.register_structure_hook(bool, strict_bool)
    conv.register_structure_hook(str, strict_str)
    conv.register_structure_hook(float, number(float))
    conv.register_structure_hook(int, number(int))
    for cls in (DiagnosticsSettings, Settings):
        renames: Dict[str, Any] = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **renames))
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv, **renames))
    return conv


_CONV = _converter()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(_describe(e) for e in exc.exceptions)
    return str(exc)


def _parse_into(cls: type, raw: Dict[str, Any], prefix: str, problems: List[str]) -> Any:
    """Structure `raw` into `cls` one key at a time, so one bad key only resets that key."""
    good: Dict[str, Any] = {}
    for field in attrs.fields(cls):
        key = _camel(field.name)
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(field.type, type) and attrs.has(field.type) and isinstance(value, dict):
            good[field.name] = _parse_into(field.type, value, f"{prefix}{key}.", problems)
            continue
        try:
            candidate: Any = _CONV.structure({key: value}, cls)
            good[field.name] = getattr(candidate, field.name)
        except Exception as exc:  # cattrs wraps every failure in its validation groups
            problems.append(f"heatlens.{prefix}{key}: {_describe(exc)}; using the default")
    known = {_camel(f.name) for f in attrs.fields(cls)}
    problems.extend(f"heatlens.{prefix}{k}: unknown setting, ignored" for k in raw if k not in known)
    return cls(**good)


def parse_settings(raw: Any) -> Tuple[Settings, List[str]]:
    """Settings from a client's JSON (the `heatlens` section or the whole options object) and the problems."""
    if raw is None:
        return Settings(), []
    if isinstance(raw, dict) and isinstance(raw.get("heatlens"), dict):
        raw = raw["heatlens"]
    if not isinstance(raw, dict):
        return Settings(), [f"heatlens settings must be an object, got {type(raw).__name__}; using defaults"]
    problems: List[str] = []
    settings = _parse_into(Settings, raw, "", problems)
    d = settings.diagnostics
    if d.info_share > d.warning_share:  # an information threshold above the warning one grades nothing as information
        problems.append(f"heatlens.diagnostics: infoShare ({d.info_share}) must not exceed warningShare "
                        f"({d.warning_share}); using the defaults")
        settings.diagnostics = DiagnosticsSettings()
    return settings, problems


def settings_to_wire(settings: Settings) -> Dict[str, Any]:
    return _CONV.unstructure(settings)  # type: ignore[no-any-return]
