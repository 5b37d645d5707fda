"""kefu's own import-linter contract type (pyproject `[tool.importlinter] contract_types`).

`domain_private`: the listed modules (e.g. every `kefu.*.repository`) are imported only from
inside their own domain package — one rule instead of an ignore line per domain."""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


class DomainPrivateContract(Contract):
    """private_modules: module expressions (`kefu.*.repository`); their package's parent is
    the domain. allowed_importers: modules (as packages) that may import them anyway."""

    type_name = "domain_private"

    private_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = {
            m.name
            for m in module_expressions_to_modules(graph, self.allowed_importers or [], as_packages=True)  # type: ignore[arg-type]
        }
        violations: list[tuple[str, str, list[int]]] = []
        for private in sorted(
            module_expressions_to_modules(graph, self.private_modules, as_packages=False),  # type: ignore[arg-type]
            key=str,
        ):
            domain = private.name.rsplit(".", 1)[0]
            for target in sorted({private.name} | graph.find_descendants(private.name)):
                for importer in sorted(graph.find_modules_that_directly_import(target)):
                    if importer == domain or importer.startswith(domain + ".") or importer in allowed:
                        continue
                    details = graph.get_import_details(importer=importer, imported=target)
                    violations.append((importer, target, [d["line_number"] for d in details]))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["violations"]:
            output.print_error(f"{importer} -> {imported} (l. {', '.join(map(str, lines))})")
            output.new_line()
