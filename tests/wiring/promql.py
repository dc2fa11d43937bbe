"""Reading PromQL with the `promql-parser` package (the Rust parser Prometheus-compatible tools use), not regexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
