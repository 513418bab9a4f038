"""What the lint pass's specialiser (:mod:`~iscsitgt_spt.codec.analysis.lint_compile`) reads
and works out now: the checks' own source, parsed once, and the value of an expression whose
operands the layout decides.

Split from the specialiser so that it reads as what it does (expressions and statements
specialised to a layout); these are its two plain tools.
"""

from __future__ import annotations

import ast
import inspect
import operator
import textwrap
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["Unsupported", "evaluate", "parsed"]


class Unsupported(Exception):
    """A construct the specialiser does not handle: the layout keeps the interpreted pass."""


def evaluate(node: ast.expr, consts: dict[str, Any]) -> Any:
    """The value of ``node``, made of constants (literals and the names ``consts``
    holds): the usual operations evaluated as Python does, the rest compiled."""
    kind = type(node)
    if kind is ast.Constant:
        return node.value  # type: ignore[attr-defined]
    if kind is ast.Name and node.id in consts:  # type: ignore[attr-defined]
        return consts[node.id]  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        return getattr(evaluate(node.value, consts), node.attr)  # type: ignore[attr-defined]
    if kind is ast.Call:
        call: ast.Call = node  # type: ignore[assignment]
        keywords = {str(k.arg): evaluate(k.value, consts) for k in call.keywords}
        return evaluate(call.func, consts)(*[evaluate(a, consts) for a in call.args],
                                           **keywords)
    operation = _OPERATIONS.get(kind)
    if operation is not None:
        return operation(node, consts)
    with warnings.catch_warnings():  # ("is" with a literal: the specialiser means it)
        warnings.simplefilter("ignore", SyntaxWarning)
        code = compile(ast.fix_missing_locations(ast.Expression(node)), "<lint fold>", "eval")
    return eval(code, dict(consts))


def _joined(node: ast.JoinedStr, consts: dict[str, Any]) -> str:
    """An f-string's value, as Python formats each part: its conversion (``!s``, ``!r``,
    ``!a``), then ``format`` with its spec."""
    parts = []
    for part in node.values:
        if isinstance(part, ast.FormattedValue):
            value = _CONVERSIONS[part.conversion](evaluate(part.value, consts))
            spec = "" if part.format_spec is None else evaluate(part.format_spec, consts)
            parts.append(format(value, spec))
        else:
            parts.append(evaluate(part, consts))
    return "".join(parts)


_CONVERSIONS: dict[int, Callable[[Any], Any]] = {
    -1: lambda v: v, ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _compare(node: ast.Compare, consts: dict[str, Any]) -> bool:
    left = evaluate(node.left, consts)
    for op, comparator in zip(node.ops, node.comparators):  # (chained: a < b < c)
        right = evaluate(comparator, consts)
        if not _OPERATORS[type(op)](left, right):
            return False
        left = right
    return True


_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
    ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Not: operator.not_, ast.USub: operator.neg,
    ast.Invert: operator.invert,
}
#: How :func:`evaluate` works out the usual operations (any other: compiled).
_OPERATIONS: dict[type, Callable[[Any, dict[str, Any]], Any]] = {
    ast.BinOp: lambda n, c: _OPERATORS[type(n.op)](evaluate(n.left, c), evaluate(n.right, c)),
    ast.UnaryOp: lambda n, c: _OPERATORS[type(n.op)](evaluate(n.operand, c)),
    ast.Compare: _compare,
    ast.Subscript: lambda n, c: evaluate(n.value, c)[evaluate(n.slice, c)],
    ast.Slice: lambda n, c: slice(*(None if x is None else evaluate(x, c)
                                    for x in (n.lower, n.upper, n.step))),
    ast.Tuple: lambda n, c: tuple(evaluate(e, c) for e in n.elts),
    ast.JoinedStr: _joined,
}


def _tail_returns(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """A function body where ``if c: return`` takes what follows as its ``else`` (so that
    every ``return`` ends the code of its path, which the specialiser then drops)."""
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, ast.Return):
            stmt.tail = True  # type: ignore[attr-defined]
            return stmts[:i + 1]  # (anything after it is dead)
        if isinstance(stmt, ast.If) and (_returns(stmt.body) or _returns(stmt.orelse)):
            rest = stmts[i + 1:]
            body = _tail_returns(stmt.body if _returns(stmt.body) else stmt.body + rest)
            orelse = _tail_returns(stmt.orelse if _returns(stmt.orelse)
                                   else stmt.orelse + rest)
            return [*stmts[:i], ast.If(stmt.test, body, orelse)]
    return stmts


def _returns(stmts: list[ast.stmt]) -> bool:
    return bool(stmts) and (isinstance(stmts[-1], ast.Return) or (
        isinstance(stmts[-1], ast.If) and _returns(stmts[-1].body)
        and _returns(stmts[-1].orelse)))


_SOURCES: dict[Any, tuple[ast.FunctionDef, list[ast.stmt]]] = {}


def parsed(function: Any) -> tuple[ast.FunctionDef, list[ast.stmt]]:
    """A function's definition and its body as the specialiser reads it
    (:func:`_tail_returns`), parsed once (the specialiser builds new nodes, never changes
    these)."""
    found = _SOURCES.get(function)
    if found is None:
        try:
            text = textwrap.dedent(inspect.getsource(function))
        except (OSError, TypeError) as exc:  # (no source shipped: the interpreted pass)
            raise Unsupported(f"no source of {function.__qualname__}") from exc
        tree = ast.parse(text).body[0]
        if not isinstance(tree, ast.FunctionDef) or tree.decorator_list:
            raise Unsupported(f"{function.__qualname__} is not a plain function")
        found = _SOURCES[function] = (tree, _tail_returns(tree.body))
    return found
