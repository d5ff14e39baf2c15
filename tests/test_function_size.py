"""Every function of the project, outside tests and benchmarks, fits in about a screen: past 60 lines
(from `def` to its last line, docstring included) it usually holds two ideas and wants splitting.
A new long function fails here with its file, name and length."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "api", "config", "contacts", "core", "messaging", "ops", "otp", "scripts")
MAX_LINES = 60
# Known and being dealt with: each entry says why it is still long. An entry whose function has
# become short fails too, so the list only shrinks.
KNOWN: set[str] = set()  # functions allowed past the limit for now (none)


def _functions():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{path.relative_to(ROOT).as_posix()}:{node.name}"
                    yield name, node.lineno, node.end_lineno - node.lineno + 1


def test_no_function_is_longer_than_a_screen() -> None:
    long = [f"{name} (line {line}): {size} lines" for name, line, size in _functions() if size > MAX_LINES]
    new = [entry for entry in long if entry.split(" ")[0] not in KNOWN]
    assert not new, f"split these (functions past {MAX_LINES} lines usually hold two ideas):\n" + "\n".join(new)


def test_the_known_long_functions_are_still_long() -> None:
    sizes = {name: size for name, _, size in _functions()}
    shortened = sorted(name for name in KNOWN if sizes.get(name, 0) <= MAX_LINES)
    assert not shortened, f"now short (or gone): take them off KNOWN: {shortened}"
