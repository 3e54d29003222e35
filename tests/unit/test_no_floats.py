"""No float in any money path (SPEC §1: "Never floats, anywhere").

Every module of the application (``ledger/``, ``app/``, ``reports/``) and the
migrations is parsed with :mod:`ast`, and the test fails on:

- a float literal (``1.5``, ``1e3``) or a complex one;
- a call of ``float(...)``, or ``float`` handed over as a converter or dtype
  (``astype(float)``, ``parse_float=float``, ``dtype=float``);
- a pandas/numpy float dtype spelled as a string (``"float64"``);
- SQLAlchemy's approximate or float-backed numeric types (``Float``,
  ``Numeric``, ``REAL``, ``DOUBLE``…): on SQLite ``Numeric`` goes through a
  float, so exact amounts are integers and rates are ``DecimalString``.

Allowed, deliberately, because none of it can carry an amount:

- ``float`` as the second argument of ``isinstance`` / ``issubclass``: that is
  how a validator *refuses* a float; it creates none;
- ``float`` in a type annotation: it converts nothing;
- float literals (only literals: no ``float()``, no float types) in
  ``reports/pdf/`` (its font, layout, page and style modules), whose subject
  is page geometry: reportlab measures in float points and shades in float
  grey levels. Amounts reach it as the strings ``reports/formatting.py``
  makes, and that module is scanned in full;
- a float literal as the relative ``width`` of a statement column
  (``Column(..., width=1.4)`` and the field's default ``width: float = 1.0``):
  PDF layout again.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "app", "reports")
FLOAT_TYPES = frozenset(
    {
        "Float",
        "FLOAT",
        "Numeric",
        "NUMERIC",
        "DECIMAL",
        "REAL",
        "Double",
        "DOUBLE",
        "DOUBLE_PRECISION",
    }
)
FLOAT_DTYPE = re.compile(r"^(float|Float)(16|32|64|128)?$|^f[248]$|^double$")
#: Modules whose float literals are page geometry (see the module docstring).
LAYOUT_MODULES = frozenset(
    {"reports/pdf.py"}
    | {f"reports/pdf/{name}.py" for name in ("fonts", "layout", "pages", "style")}
)


def _allowed_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes the module docstring allows."""
    allowed: set[int] = set()

    def allow_all(node: ast.AST | None) -> None:
        if node is not None:
            allowed.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            kinds = node.args[1]
            for sub in [kinds, *getattr(kinds, "elts", [])]:
                if isinstance(sub, ast.Name) and sub.id == "float":
                    allowed.add(id(sub))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            allow_all(node.returns)
            arguments = node.args
            for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                allow_all(arg.annotation)
            for arg in (arguments.vararg, arguments.kwarg):
                allow_all(arg.annotation if arg else None)
        elif isinstance(node, ast.AnnAssign):
            allow_all(node.annotation)
            target = node.target
            is_width = isinstance(target, ast.Name) and target.id == "width"
            if is_width and isinstance(node.value, ast.Constant):
                allowed.add(id(node.value))
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "width" and isinstance(keyword.value, ast.Constant):
                    allowed.add(id(keyword.value))
    return allowed


def findings(source: str, filename: str = "<test>") -> list[str]:
    """Every float use in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    allowed = _allowed_nodes(tree)
    layout = filename in LAYOUT_MODULES
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, float) and layout:
                continue
            if isinstance(node.value, float | complex):
                report(node, f"float literal {node.value!r}")
            elif isinstance(node.value, str) and FLOAT_DTYPE.match(node.value):
                report(node, f"float dtype {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "float":
            report(node, "float() / float as a converter")
        elif isinstance(node, ast.Attribute) and node.attr in FLOAT_TYPES:
            report(node, f"float-backed column type {ast.unparse(node)}")
        elif isinstance(node, ast.Name) and node.id in FLOAT_TYPES:
            report(node, f"float-backed column type {node.id}")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in FLOAT_TYPES:
                    report(node, f"imports {alias.name} from {node.module}")
    return found


def python_files() -> list[Path]:
    files = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    files += sorted((ROOT / "migrations").rglob("*.py"))
    return files


def test_the_scan_covers_the_money_code():
    names = {path.relative_to(ROOT).as_posix() for path in python_files()}
    for required in (
        "ledger/money.py",
        "ledger/fx.py",
        "ledger/journal.py",
        "ledger/models/journal.py",
        "migrations/versions/0001_ledger_core.py",
    ):
        assert required in names
    assert len(names) >= 20


def test_no_float_in_application_code():
    problems = []
    for path in python_files():
        problems += findings(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert problems == []


# -- the detector itself: it must catch what it claims to catch ---------------------------

BAD = {
    "x = 1.5": "float literal",
    "x = 1e3": "float literal",
    "x = 2j": "float literal",
    "x = float(amount)": "converter",
    "frame['a'] = frame['a'].astype(float)": "converter",
    "json.loads(body, parse_float=float)": "converter",
    "frame.astype('float64')": "float dtype",
    "numpy.zeros(3, dtype='f8')": "float dtype",
    "amount = mapped_column(sa.Numeric(12, 2))": "column type",
    "rate = Column(sqlalchemy.Float)": "column type",
    "rate = mapped_column(DOUBLE_PRECISION)": "column type",
    "from sqlalchemy import Numeric": "imports",
    "from sqlalchemy.types import Float as F": "imports",
}


@pytest.mark.parametrize(("source", "what"), BAD.items())
def test_detector_catches(source, what):
    found = findings(source)
    assert found and any(what in line for line in found), found


def test_detector_in_a_layout_module():
    source = "ROW = 12.5\nGREY = Color(0.92, 0.92, 0.92)\ncell = float(amount)\n"
    assert findings(source, "reports/pdf.py") == [
        "reports/pdf.py:3: float() / float as a converter"
    ]
    assert len(findings(source, "reports/formatting.py")) == 5
    # Only its literals: a float column type is refused there too.
    assert findings("x = sa.Float()", "reports/pdf.py")


@pytest.mark.parametrize(
    "source",
    [
        "x = 15",
        "def f(y: float, *, size: float = 8) -> tuple[float, float]:\n    return y, size",
        "pagesize: tuple[float, float] = A4",
        "columns = [Column('code', 'Account', width=0.8)]",
        "class Column:\n    width: float = 1.0",
        "x = Decimal('1.5')",
        "if isinstance(value, float):\n    raise Invalid('no floats')",
        "if isinstance(value, (bool, float)):\n    pass",
        "message = 'must be a decimal string, not a float'",
        "amount = mapped_column(BigInteger)",
    ],
)
def test_detector_lets_exact_code_through(source):
    assert findings(source) == []
