"""The allow-list import contract (ops/importlinter/allow_list.py) refuses any outside package not on its list."""

from __future__ import annotations

import grimp
from ops.importlinter.allow_list import AllowListContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in ("core", "core.engine", "core.testing", "core.testing.strategies"):
        graph.add_module(module)
    for external in ("numpy", "litestar", "hypothesis", "json"):
        graph.add_module(external, is_squashed=True)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    return graph


def _contract() -> AllowListContract:
    return AllowListContract(
        name="core is pure",
        session_options={"root_packages": ["core"]},
        contract_options={
            "source_package": "core",
            "allowed_packages": ["numpy"],
            "also_allowed": ["core.testing: hypothesis"],
        },
    )


def test_allowed_packages_the_standard_library_and_the_package_itself_pass() -> None:
    graph = _graph(("core.engine", "numpy"), ("core.engine", "json"), ("core.engine", "core.testing"))
    assert _contract().check(graph, verbose=False).kept


def test_a_package_not_on_the_list_breaks_the_contract_and_is_named() -> None:
    check = _contract().check(_graph(("core.engine", "numpy"), ("core.engine", "litestar")), verbose=False)
    assert not check.kept
    assert check.metadata["broken"] == [{"importer": "core.engine", "imported": "litestar"}]


def test_also_allowed_holds_only_below_its_sub_package() -> None:
    assert _contract().check(_graph(("core.testing.strategies", "hypothesis")), verbose=False).kept
    check = _contract().check(_graph(("core.engine", "hypothesis")), verbose=False)
    assert [b["importer"] for b in check.metadata["broken"]] == ["core.engine"]
