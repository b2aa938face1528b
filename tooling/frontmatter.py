"""Read and validate a policy's YAML front matter, reporting problems at the key's own line."""

from __future__ import annotations

from pathlib import Path

import yaml
from markdown_it.token import Token
from pydantic import ValidationError

from .errors import Code, Problem, problem
from .models import PolicyMeta


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so a bad date is a validation error, not a crash."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_front_matter(tokens: list[Token], path: Path | str) -> tuple[PolicyMeta | None, list[Problem]]:
    """Validate the front matter token of a parsed policy file."""
    fm = next((t for t in tokens if t.type == "front_matter"), None)
    if fm is None:
        return None, [problem(Code.FRONT_MATTER_MISSING, "policy file has no YAML front matter", path, 1)]
    offset = (fm.map[0] if fm.map else 0) + 2  # line of the first key
    try:
        node = yaml.compose(fm.content, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = offset + (mark.line if mark else 0)
        return None, [problem(Code.FRONT_MATTER_YAML, f"front matter is not valid YAML: {exc}", path, line)]
    if not isinstance(node, yaml.MappingNode):
        return None, [problem(Code.FRONT_MATTER_YAML, "front matter must be a mapping of keys", path, offset)]

    data: dict[str, object] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = offset + key_node.start_mark.line
        if key in data:
            problems.append(problem(Code.FRONT_MATTER_YAML, f"key '{key}' appears twice", path, line))
            continue
        if key == "version" and isinstance(value_node, yaml.ScalarNode):
            value: object = value_node.value  # keep "3.10" as written, not the float 3.1
        else:
            value = yaml.load(yaml.serialize(value_node), Loader=_Loader)
        data[key], lines[key] = value, line
    try:
        return PolicyMeta.model_validate(data), problems
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            if err["type"] == "missing":
                problems.append(
                    problem(Code.FRONT_MATTER_KEY_MISSING, f"front matter lacks required key '{key}'", path, offset - 1)
                )
            elif err["type"] == "extra_forbidden":
                problems.append(
                    problem(
                        Code.FRONT_MATTER_KEY_UNKNOWN, f"unknown front-matter key '{key}'", path, lines.get(key, offset)
                    )
                )
            else:
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(
                    problem(Code.FRONT_MATTER_VALUE, f"bad value for '{key}': {msg}", path, lines.get(key, offset))
                )
        return None, problems
