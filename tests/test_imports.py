"""Imports run one way: between the parts of ``exercise`` (its subpackages and top-level
modules) there is no cycle, counting imports inside functions too, and the tests never
import the benchmarks (the benchmarks use the tests' helpers)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set

ROOT = Path(__file__).resolve().parents[1]


def imported_names(path: Path) -> Iterator[str]:
    """Every absolute module name ``path`` imports, at any depth of its code."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def part_of(module: str) -> str:
    """``exercise.brain.runner`` -> ``exercise.brain``; ``exercise.gate`` -> itself."""
    return ".".join(module.split(".")[:2])


def is_part(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).is_dir() or (ROOT / relative.with_suffix(".py")).is_file()


def part_graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = {}
    for path in (ROOT / "exercise").rglob("*.py"):
        source = part_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
        targets = graph.setdefault(source, set())
        for name in imported_names(path):
            if name.startswith("exercise.") and is_part(part_of(name)) and part_of(name) != source:
                targets.add(part_of(name))
    return graph


def find_cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One cycle of ``graph`` as the path around it, or [] if it has none."""
    state: Dict[str, str] = {}
    path: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def test_the_parts_of_the_package_import_one_way() -> None:
    graph = part_graph()
    assert {"exercise.brain", "exercise.server", "exercise.nodes", "exercise.cameras"} <= set(graph)
    assert find_cycle(graph) == [], " -> ".join(find_cycle(graph))


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) == []


def test_the_tests_do_not_import_the_benchmarks() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if any(name == "benchmarks" or name.startswith("benchmarks.") for name in imported_names(path))
    ]
    assert offenders == []
