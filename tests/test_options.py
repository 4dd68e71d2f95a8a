"""The option schema: one declaration, one validation, one normalisation (timeout 0 = no limit on every
path), the command line's flags and the editor's settings derived from it and agreeing."""

from __future__ import annotations

import argparse
from typing import Any, List

import attrs
import pytest

from heatlens import options as schema
from heatlens.commands import run as run_cmd
from heatlens.lsp.settings import DiagnosticsSettings, Settings, parse_settings
from heatlens.options import ProfileOptions


def _cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_cmd.register(parser.add_subparsers())
    return parser.parse_args(["run", *argv, "prog.py"])


def test_backend_names_are_the_registry_s() -> None:
    from heatlens import backends

    assert set(schema.BACKEND_NAMES) == {"auto", *backends.BACKENDS}


def test_the_server_settings_class_has_exactly_the_schema_s_settings() -> None:
    fields = {a.name for a in attrs.fields(Settings) if a.name != "diagnostics"}
    fields |= {a.name for a in attrs.fields(DiagnosticsSettings)}
    assert fields == {o.name for o in schema.server_settings()}
    for o in schema.server_settings():  # the class's defaults are the schema's
        holder = Settings().diagnostics if o.setting and o.setting.startswith("diagnostics.") else Settings()
        assert getattr(holder, o.name) == o.default, o.name


@pytest.mark.parametrize("name, value", [("timeout", "soon"), ("timeout", -1), ("memory", "all"), ("backend", "perf"),
                                         ("sample_interval", 5), ("children", "yes"), ("env_allow", [1]),
                                         ("heat_threshold", True)])
def test_check_rejects(name: str, value: Any) -> None:
    with pytest.raises(ValueError):
        schema.check(schema.BY_NAME[name], value)


def test_check_normalises_numbers_to_the_schema_s_type() -> None:
    assert schema.check(schema.BY_NAME["timeout"], 5) == 5.0 and isinstance(schema.check(schema.BY_NAME["timeout"], 5), float)
    assert schema.check(schema.BY_NAME["memory_limit_mb"], 512.0) == 512
    assert schema.check(schema.BY_NAME["env_allow"], ["A_*"]) == ["A_*"]


def test_every_run_option_has_its_flag_and_the_schema_s_default() -> None:
    args = _cli()
    for name in schema.RUN_OPTIONS:
        o = schema.BY_NAME[name]
        expected = o.default if o.cli_default == "<same>" else o.cli_default
        assert getattr(args, o.dest) == expected, name
    assert ProfileOptions.from_args(args) == ProfileOptions(project_root=None)


def test_zero_timeout_means_no_limit_from_the_cli_the_editor_and_a_request() -> None:
    cli = ProfileOptions.from_args(_cli("--timeout", "0"))
    settings, problems = parse_settings({"timeout": 0})
    editor = ProfileOptions.from_settings(settings)
    request = ProfileOptions.from_settings(Settings(), timeout=0)
    assert problems == [] and cli.timeout is None and editor.timeout is None and request.timeout is None
    assert cli.run_options().timeout is None
    assert ProfileOptions.from_settings(Settings()).timeout == schema.DEFAULT_TIMEOUT == ProfileOptions.from_args(_cli()).timeout


def test_the_same_choices_give_the_same_options_from_the_cli_and_the_editor() -> None:
    cli = ProfileOptions.from_args(_cli("--timeout", "20", "--memory", "full", "--interval", "5ms", "--memory-limit",
                                        "1GiB", "--no-children", "--exceptions", "--env-allow", "HOME",
                                        "--backend", "agent"))
    settings, problems = parse_settings({"timeout": 20, "memory": "full", "sampleInterval": 0.005, "memoryLimitMb": 1024,
                                         "children": False, "exceptions": True, "envAllow": ["HOME"], "backend": "agent"})
    assert problems == []
    assert cli == ProfileOptions.from_settings(settings)
    run = cli.run_options()
    b = run.backend_options
    assert (run.timeout, run.memory_limit_mb, run.env_allow, b.memory, b.sample_interval, b.children, b.exceptions) == (
        20.0, 1024, ["HOME"], "full", 0.005, False, True)


def test_a_request_s_backend_overrides_the_setting_and_empty_means_the_setting() -> None:
    settings = Settings(backend="agent")
    assert ProfileOptions.from_settings(settings, backend="cprofile").backend == "cprofile"
    assert ProfileOptions.from_settings(settings, backend=None).backend == "agent"
    assert ProfileOptions.from_settings(settings, backend="").backend == "agent"


def test_bad_values_on_the_command_line_are_usage_errors() -> None:
    bad: List[List[str]] = [["--interval", "5s"], ["--memory", "all"], ["--backend", "perf"], ["--timeout", "-1"]]
    for argv in bad:
        with pytest.raises(SystemExit) as exc:
            _cli(*argv)
        assert exc.value.code == 2, argv


def test_an_unknown_memory_mode_is_refused_by_the_one_normalisation() -> None:
    with pytest.raises(ValueError):
        ProfileOptions.normalised(memory="everything")


def test_heatlens_test_takes_the_schema_s_flags() -> None:
    from heatlens.commands import test as test_cmd

    parser = argparse.ArgumentParser()
    test_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["test", "--timeout", "0", "--interval", "5ms", "--memory", "off", "--backend", "cprofile"])
    options = ProfileOptions.from_args(args)
    assert (options.timeout, options.sample_interval, options.memory, options.backend) == (None, 0.005, "off", "cprofile")
    assert parser.parse_args(["test"]).timeout == schema.DEFAULT_TIMEOUT
