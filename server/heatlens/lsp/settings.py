"""Typed settings from initializationOptions and `workspace/didChangeConfiguration` (docs/protocol.md).

Every setting is declared once, in the option schema (heatlens/options.py): its key, type, default and
allowed values. Parsed once per change, one key at a time: anything invalid falls back to its default,
and the caller shows the returned problems to the user (window/showMessage) so that a typo never goes
silently ignored.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import attrs

from heatlens import options as schema


def _default(name: str) -> Any:
    value = schema.BY_NAME[name].default
    return attrs.Factory(list) if isinstance(value, list) else value


@attrs.define
class DiagnosticsSettings:
    warning_share: float = _default("warning_share")
    info_share: float = _default("info_share")


@attrs.define
class Settings:
    backend: str = _default("backend")
    python: str = _default("python")
    timeout: float = _default("timeout")  # seconds; 0: no limit
    memory_limit_mb: int = _default("memory_limit_mb")  # 0: none
    memory: str = _default("memory")
    sample_interval: float = _default("sample_interval")
    exceptions: bool = _default("exceptions")
    children: bool = _default("children")
    env_allow: List[str] = _default("env_allow")  # [] : the whole environment
    heat_threshold: float = _default("heat_threshold")
    hint_threshold: float = _default("hint_threshold")
    user_code: List[str] = _default("user_code")
    store_path: str = _default("store_path")
    diagnostics: DiagnosticsSettings = attrs.Factory(DiagnosticsSettings)
    client_commands: bool = _default("client_commands")


def _holder(settings: Settings, key: str) -> Any:
    """The object that holds a setting: `diagnostics.warningShare` lives in `settings.diagnostics`."""
    return settings.diagnostics if key.startswith("diagnostics.") else settings


def _flatten(raw: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    """{"diagnostics": {"infoShare": 0.01}} -> {"diagnostics.infoShare": 0.01} (objects of known groups only)."""
    out: Dict[str, Any] = {}
    for key, value in raw.items():
        full = prefix + key
        if isinstance(value, dict) and any(s.startswith(full + ".") for s in schema.BY_SETTING):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = value
    return out


def parse_settings(raw: Any) -> Tuple[Settings, List[str]]:
    """Settings from a client's JSON (the `heatlens` section or the whole options object) and the problems."""
    if raw is None:
        return Settings(), []
    if isinstance(raw, dict) and isinstance(raw.get("heatlens"), dict):
        raw = raw["heatlens"]
    if not isinstance(raw, dict):
        return Settings(), [f"heatlens settings must be an object, got {type(raw).__name__}; using defaults"]
    settings, problems = Settings(), []
    known = {o.setting: o for o in schema.server_settings()}
    for key, value in _flatten(raw).items():
        option = known.get(key)
        if option is None:
            problems.append(f"heatlens.{key}: unknown setting, ignored")
            continue
        try:
            setattr(_holder(settings, key), option.name, schema.check(option, value))
        except ValueError as exc:
            problems.append(f"heatlens.{key}: {exc}; using the default")
    d = settings.diagnostics
    if d.info_share > d.warning_share:  # an information threshold above the warning one grades nothing as information
        problems.append(f"heatlens.diagnostics: infoShare ({d.info_share}) must not exceed warningShare "
                        f"({d.warning_share}); using the defaults")
        settings.diagnostics = DiagnosticsSettings()
    return settings, problems


def settings_to_wire(settings: Settings) -> Dict[str, Any]:
    """The settings as a client sends them: camelCase keys, `diagnostics` nested."""
    out: Dict[str, Any] = {}
    for option in schema.server_settings():
        assert option.setting is not None
        *groups, leaf = option.setting.split(".")
        node = out
        for group in groups:
            node = node.setdefault(group, {})
        value = getattr(_holder(settings, option.setting), option.name)
        node[leaf] = list(value) if isinstance(value, list) else value
    return out
