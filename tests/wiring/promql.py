"""Reading PromQL with the `promql-parser` package (the Rust parser Prometheus-compatible tools use), not regexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import promql_parser as pp

COUNTER_FUNCTIONS = {"rate", "irate", "increase", "resets"}
GAUGE_FUNCTIONS = {"deriv", "delta", "idelta", "predict_linear"}


@dataclass(frozen=True)
class Selector:
    """A series selector: its metric name, equality matchers, and the function and range it is read with."""

    metric: str
    labels: dict[str, str]
    function: str | None
    window: timedelta | None


def _selector(vector: pp.VectorSelector, function: str | None, window: timedelta | None) -> Selector:
    labels = {m.name: m.value for m in vector.matchers.matchers if m.op == pp.MatchOp.Equal}
    assert vector.name, f"{vector}: every selector names its metric"
    return Selector(vector.name, labels, function, window)


def _collect(node: pp.Expr, function: str | None, found: list[Selector]) -> None:
    if isinstance(node, pp.VectorSelector):
        found.append(_selector(node, function, None))
    elif isinstance(node, pp.MatrixSelector):
        found.append(_selector(node.vector_selector, function, node.range))
    elif isinstance(node, pp.Call):
        for argument in node.args:
            _collect(argument, node.func.name, found)
    elif isinstance(node, pp.BinaryExpr):
        _collect(node.lhs, None, found)
        _collect(node.rhs, None, found)
    elif isinstance(node, pp.AggregateExpr):
        _collect(node.expr, None, found)
    elif isinstance(node, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        _collect(node.expr, function if isinstance(node, pp.SubqueryExpr) else None, found)
    else:
        assert isinstance(node, pp.NumberLiteral | pp.StringLiteral), f"unexpected PromQL node {node!r}"


def selectors(promql: str) -> list[Selector]:
    """Every series selector of an expression, with the function applied directly to it (if any)."""
    found: list[Selector] = []
    _collect(pp.parse(promql), None, found)
    return found


def comparison(promql: str) -> tuple[str, str, float]:
    """`lhs op threshold` of an alert expression whose top-level operation compares with a number."""
    expr = pp.parse(promql)
    assert isinstance(expr, pp.BinaryExpr) and isinstance(expr.rhs, pp.NumberLiteral), promql
    return str(expr.lhs), str(expr.op), float(expr.rhs.val)


# Functions of the evaluation time (Prometheus promql/functions.go: each reads `time()` in UTC when given no
# argument; day_of_week counts Sunday as 0), and the arithmetic and `bool` comparisons over numbers.
CLOCK = {
    "day_of_week": lambda t: (t.weekday() + 1) % 7,
    "hour": lambda t: t.hour,
    "minute": lambda t: t.minute,
    "month": lambda t: t.month,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    ">=": lambda a, b: float(a >= b),
    "<": lambda a, b: float(a < b),
    "==": lambda a, b: float(a == b),
}


def evaluate_clock(node: pp.Expr, instant: datetime) -> float:
    """The value at `instant` (UTC) of an expression built only from clock functions, numbers, arithmetic,
    `bool` comparisons and clamp_max: what Prometheus returns as the single sample of its result."""
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.ParenExpr):
        return evaluate_clock(node.expr, instant)
    if isinstance(node, pp.Call) and node.func.name in CLOCK and not node.args:
        return float(CLOCK[node.func.name](instant))
    if isinstance(node, pp.Call) and node.func.name == "clamp_max":
        value, limit = (evaluate_clock(argument, instant) for argument in node.args)
        return min(value, limit)
    if isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        assert op in {"+", "-", "*"} or (node.modifier and node.modifier.return_bool), f"{op} needs `bool` here"
        return BINARY[op](evaluate_clock(node.lhs, instant), evaluate_clock(node.rhs, instant))
    raise AssertionError(f"not a clock expression: {node!r}")
