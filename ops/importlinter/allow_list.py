"""An import-linter contract type: a package may import only the outside packages on its list.

``.importlinter`` registers it (``contract_types``). Unlike a ``forbidden`` contract, which names what may not be
imported and so lets through anything nobody thought of, this names what may: the standard library is always
allowed, and ``also_allowed`` lets one sub-package import a little more (``punch_core.testing: hypothesis``).
"""

from __future__ import annotations

import sys
from typing import cast

import grimp
from importlinter import Contract, ContractCheck, fields, output


class AllowListContract(Contract):
    """Configuration: ``source_package``, ``allowed_packages`` and optional ``also_allowed`` lines (``sub: pkg``)."""

    type_name = "allow_list"

    source_package = fields.StringField()
    allowed_packages = fields.ListField(subfield=fields.StringField())
    also_allowed = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        """Every direct import of an outside package by a module of the source package, checked against the lists."""
        # import-linter replaces each field with its parsed value on the instance.
        root = str(self.source_package)
        allowed = {str(p) for p in cast("list[str]", self.allowed_packages)}
        extra: list[tuple[str, str]] = []
        for line in cast("list[str]", self.also_allowed or []):
            sub, _, package = str(line).partition(":")
            extra.append((sub.strip(), package.strip()))
        broken: list[dict[str, str]] = []
        for module in sorted(graph.find_descendants(root) | {root}):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                top = imported.split(".")[0]
                if top == root.split(".", maxsplit=1)[0] or top in sys.stdlib_module_names or top in allowed:
                    continue
                if any(top == package and (module == sub or module.startswith(sub + ".")) for sub, package in extra):
                    continue
                broken.append({"importer": module, "imported": imported})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """One line per import of a package not on the list."""
        for item in check.metadata["broken"]:
            output.print_error(f"{item['importer']} imports {item['imported']}, which is not on the allow list")
            output.new_line()
