"""workspace is the bottom of the house: every app builds on it, so it may build on none of them."""

import ast
from pathlib import Path

import workspace

APPS_ABOVE = {"integrations", "boards", "datasets", "demo", "operations"}


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_workspace_imports_no_app_above_it():
    package = Path(workspace.__file__).parent
    offenders = {
        f"{source.relative_to(package.parent)} imports {module}"
        for source in package.rglob("*.py")
        for module in _imported_modules(source)
        if module.split(".")[0] in APPS_ABOVE
    }
    assert not offenders, sorted(offenders)


def test_the_check_sees_an_import_it_should_refuse(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("from boards.models import Board\nimport datasets.api\n")
    assert _imported_modules(source) == {"boards.models", "datasets.api"}
