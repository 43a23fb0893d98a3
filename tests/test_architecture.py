"""The apps are layers: each imports only the ones below it (README, "Architecture").

Every Python module of each app (not its migrations, not tests) is parsed with `ast`; every
import in it (at module level or inside a function, `import x`, `from x import y`, relative
ones) that names another project app is checked against LAYERS. A lower app that must react to
a higher one's concern offers a hook (a signal, a registry filled from the higher app's
`AppConfig.ready()`, a setting naming the higher app's class) instead of importing it.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Lowest first. core is the bottom: accounts builds on core's admin mixins and audit record,
# core imports no app. demo seeds them all and nothing imports it.
LAYERS = [
    "core",
    "accounts",
    "members",
    "placements",
    "premiums",
    "billing",  # its bank statements pay premiums' payout runs: billing imports premiums
    "settlements",
    "supervision",  # NVSI's read-only view of its account: reads billing, premiums, settlements
    "governance",  # decisions on the general framework write it through members.services
    "notifications",  # e-mails about the events the apps below announce (their signals)
    "todo",  # the start page per role: reads every app's selectors, writes nothing
    "demo",
]
LAYER = {app: index for index, app in enumerate(LAYERS)}

ROOT = Path(settings.BASE_DIR)


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" in parts or "tests" in parts or path.name.startswith("test_"):
            continue
        yield path


def _imported(path: Path):
    """(line, dotted name) of every import in the module, relative ones made absolute."""
    package = list(path.relative_to(ROOT).parts[:-1])  # what `from .` means, also in __init__
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            else:
                yield node.lineno, node.module


def _upward_imports() -> list[tuple[str, int, str]]:
    """(module path, line, imported app) of every import of a higher layer."""
    found = []
    for app, layer in LAYER.items():
        for path in _modules(app):
            module = path.relative_to(ROOT).as_posix()
            for line, name in _imported(path):
                imported = name.split(".")[0]
                if imported in LAYER and LAYER[imported] > layer:
                    found.append((module, line, imported))
    return found


def test_no_app_imports_a_higher_one():
    upward = [
        f"{module}:{line} imports {imported} (higher)"
        for module, line, imported in _upward_imports()
    ]
    assert not upward, (
        "A lower app imports a higher one (layers, lowest first: "
        + ", ".join(LAYERS)
        + "). Move the code up, or let the higher app plug into a hook:\n"
        + "\n".join(upward)
    )


def test_every_project_app_has_a_layer():
    """A new app is placed in LAYERS, so its imports are checked too."""
    project_apps = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT.resolve()
    }
    assert project_apps == set(LAYERS)


def test_the_walk_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    """The checker itself: an import inside a function and a relative one both count."""
    package = tmp_path / "members" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "members" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "late.py").write_text("def f():\n    from settlements import services\n")
    (package / "near.py").write_text("from ..models import Municipality\nfrom . import late\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert sorted(_imported(package / "late.py")) == [(2, "settlements")]
    assert sorted(_imported(package / "near.py")) == [(1, "members.models"), (2, "members.sub")]
    assert ("members/sub/late.py", 2, "settlements") in _upward_imports()
