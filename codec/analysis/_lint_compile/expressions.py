"""The specialiser's expressions (:class:`_Expressions`): each bound either static (decided
by the layout, folded now into a constant) or dynamic (code the record runs); a context's
attributes, calls, comparisons and f-strings of the checks' subset of Python."""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.codec.analysis.lint_fold import Unsupported, evaluate

_GET, _ADD, _CTX = object(), object(), object()  # ctx.get, ctx.add and ctx itself
_POISON = ("poison", None)  # a local bound differently by the branches of an ``if``
#: the function's parameters a context's per-run attribute becomes
_PARAMS = ("data", "trailing", "payload", "total", "expect_session", "output", "available")
_LITERALS = (type(None), bool, int, float, str, bytes)


def _is(bound: tuple[str, Any], marker: object) -> bool:
    """Whether ``bound`` is the static ``marker`` (by identity: a value's ``==`` may be
    anything)."""
    return bound[0] == "s" and bound[1] is marker


class _Expressions:
    """One layout's checks being specialised: the values and expressions (the statements:
    :class:`~iscsitgt_spt.codec.analysis._lint_compile.program._Program`)."""

    def __init__(self, view: Any, static: Sequence[str], per_run: Sequence[str],
                 spot: Callable[[str, str, int | None], tuple[str, str, int]],
                 add_params: Sequence[str], ends: dict[str, int], cut: bool) -> None:
        self.view, self.static, self.per_run = view, frozenset(static), frozenset(per_run)
        self.spot, self.add_params = spot, tuple(add_params)
        self.paths = frozenset(ends)
        self.ends = ends if cut else None  # (each leaf's end, read for a cut buffer only)
        self.consts: dict[str, Any] = {}
        self.const_names: dict[int, str] = {}
        self.reads: dict[str, str] = {}  # member path -> the local holding its value
        self.inlined = 0

    # -- values ----------------------------------------------------------------------------
    def const(self, value: Any, exact: bool = False) -> ast.expr:
        """Code for a value the layout decided: a literal, else a name in the namespace
        (``exact``: the very object, for ``is``, unless a singleton)."""
        if value is None or type(value) is bool or (type(value) in _LITERALS and not exact):
            return ast.Constant(value)
        name = self.const_names.get(id(value))
        if name is None:
            name = self.const_names[id(value)] = f"K{len(self.consts)}"
            self.consts[name] = value
        return ast.Name(name, ast.Load())

    def code(self, bound: tuple[str, Any]) -> ast.expr:
        return self.const(bound[1]) if bound[0] == "s" else bound[1]

    def fold(self, node: ast.expr) -> tuple[str, Any]:
        """Evaluate ``node`` (its operands made constants) now."""
        try:
            return ("s", evaluate(node, self.consts))
        except Exception as exc:  # (the record-time code would raise too: keep the oracle)
            raise Unsupported(f"folding {ast.unparse(node)}: {exc!r}") from exc

    # -- expressions -----------------------------------------------------------------------
    def expr(self, node: ast.expr, env: dict[str, Any], g: dict[str, Any]) -> tuple[str, Any]:
        method = getattr(self, "_e_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__)
        result: tuple[str, Any] = method(node, env, g)
        return result

    def _e_Constant(self, node: ast.Constant, env: dict[str, Any], g: dict[str, Any]
                    ) -> tuple[str, Any]:
        return ("s", node.value)

    def _e_Name(self, node: ast.Name, env: dict[str, Any], g: dict[str, Any]
                ) -> tuple[str, Any]:
        bound = env.get(node.id)
        if bound is _POISON:
            raise Unsupported(f"{node.id} is bound differently by an if's branches")
        if bound is not None:
            return bound  # type: ignore[no-any-return]
        if node.id in g:
            return ("s", g[node.id])
        if hasattr(builtins, node.id):
            return ("s", getattr(builtins, node.id))
        raise Unsupported(f"unknown name {node.id}")

    def _e_Attribute(self, node: ast.Attribute, env: dict[str, Any], g: dict[str, Any]
                     ) -> tuple[str, Any]:
        base = self.expr(node.value, env, g)
        if _is(base, _CTX):
            return self._context(node.attr)
        if base[0] == "s":
            if base[1] is _GET or base[1] is _ADD:
                raise Unsupported("an attribute of ctx.get or ctx.add")
            return self.fold(ast.Attribute(self.const(base[1]), node.attr, ast.Load()))
        return ("d", ast.Attribute(base[1], node.attr, ast.Load()))

    def _context(self, attr: str) -> tuple[str, Any]:
        """``ctx.<attr>``: decided by the layout, a per-run parameter, or a marker."""
        if attr == "get":
            return ("s", _GET)
        if attr == "add":
            return ("s", _ADD)
        if attr in self.per_run:
            return ("d", ast.Name(attr, ast.Load()))
        if attr in self.static:
            return ("s", getattr(self.view, attr))
        raise Unsupported(f"ctx.{attr}")

    def _e_Call(self, node: ast.Call, env: dict[str, Any], g: dict[str, Any]
                ) -> tuple[str, Any]:
        callee = self.expr(node.func, env, g)
        if _is(callee, _ADD):
            raise Unsupported("ctx.add's value used")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            raise Unsupported("*args or **kwargs")
        args = [self.expr(a, env, g) for a in node.args]
        keywords = [(k.arg, self.expr(k.value, env, g)) for k in node.keywords]
        if _is(callee, _GET):
            if len(args) != 1 or keywords or args[0][0] != "s":
                raise Unsupported("ctx.get of a path not decided by the layout")
            read = ast.Name(self.read(args[0][1]), ast.Load())
            if self.ends is None:
                return ("d", read)
            # A buffer cut short: a member it does not hold whole stops the check here.
            return ("d", ast.IfExp(
                ast.Compare(ast.Constant(self.ends[args[0][1]]), [ast.LtE()],
                            [ast.Name("available", ast.Load())]),
                read, ast.Call(ast.Name("STOP", ast.Load()), [], [])))
        call = ast.Call(self.code(callee), [self.code(a) for a in args],
                        [ast.keyword(k, self.code(v)) for k, v in keywords])
        if callee[0] == "s" and all(a[0] == "s" for a in args) and all(
                v[0] == "s" for _, v in keywords):
            return self.fold(call)
        return ("d", call)

    def read(self, path: object) -> str:
        """The local holding member ``path``'s value (read once, before the checks)."""
        if not isinstance(path, str) or path not in self.paths:
            raise Unsupported(f"ctx.get({path!r}) of no leaf")
        name = self.reads.get(path)
        if name is None:
            name = self.reads[path] = f"r{len(self.reads)}"
        return name

    def _e_BoolOp(self, node: ast.BoolOp, env: dict[str, Any], g: dict[str, Any]
                  ) -> tuple[str, Any]:
        # ``a and T and b`` is ``a and b`` for a truthy T; a falsy one ends it (``or``: the
        # other way round).  Operands are evaluated in order, as Python does.
        is_and = isinstance(node.op, ast.And)
        kept: list[tuple[str, Any]] = []
        for value in node.values:
            item = self.expr(value, env, g)
            if item[0] == "s" and bool(item[1]) is not is_and:  # it decides
                kept.append(item)
                break
            if item[0] == "s":
                continue  # passes on to the next (or is the last)
            kept.append(item)
        else:
            if item[0] == "s":
                kept.append(item)
        if len(kept) == 1:
            return kept[0]
        return ("d", ast.BoolOp(node.op, [self.code(k) for k in kept]))

    def _e_IfExp(self, node: ast.IfExp, env: dict[str, Any], g: dict[str, Any]
                 ) -> tuple[str, Any]:
        test = self.expr(node.test, env, g)
        if test[0] == "s":
            return self.expr(node.body if test[1] else node.orelse, env, g)
        return ("d", ast.IfExp(test[1], self.code(self.expr(node.body, env, g)),
                               self.code(self.expr(node.orelse, env, g))))

    def _generic(self, node: ast.expr, env: dict[str, Any], g: dict[str, Any]
                 ) -> tuple[str, Any]:
        """An operator, comparison, subscript, slice, tuple or list: folded when every
        operand is decided by the layout, else code over the operands."""
        new = copy.copy(node)
        dynamic = False
        for field, old in ast.iter_fields(node):
            if isinstance(old, ast.expr):
                item = self.expr(old, env, g)
                dynamic |= item[0] == "d"
                setattr(new, field, self.code(item))
            elif isinstance(old, list) and old and isinstance(old[0], ast.expr):
                items = [self.expr(o, env, g) for o in old]
                dynamic |= any(i[0] == "d" for i in items)
                setattr(new, field, [self.code(i) for i in items])
        return ("d", new) if dynamic else self.fold(new)

    _e_BinOp = _e_UnaryOp = _e_Subscript = _e_Slice = _generic

    def _e_Compare(self, node: ast.Compare, env: dict[str, Any], g: dict[str, Any]
                   ) -> tuple[str, Any]:
        items = [self.expr(n, env, g) for n in (node.left, *node.comparators)]
        # (``is`` compares objects: a literal written into the code might be another one)
        exact = any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)
        codes = [self.const(i[1], exact) if i[0] == "s" else i[1] for i in items]
        new = ast.Compare(codes[0], node.ops, codes[1:])
        return ("d", new) if any(i[0] == "d" for i in items) else self.fold(new)
    _e_Tuple = _e_List = _generic

    def _e_JoinedStr(self, node: ast.JoinedStr, env: dict[str, Any], g: dict[str, Any]
                     ) -> tuple[str, Any]:
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value)
                continue
            assert isinstance(value, ast.FormattedValue)
            item = self.expr(value.value, env, g)
            spec = (None if value.format_spec is None
                    else self.expr(value.format_spec, env, g))
            part: ast.expr = ast.FormattedValue(self.code(item), value.conversion,
                                                None if spec is None else self.code(spec))
            if item[0] == "s" and (spec is None or spec[0] == "s"):
                text = self.fold(ast.JoinedStr([ast.FormattedValue(
                    self.const(item[1]), value.conversion,
                    None if spec is None else ast.JoinedStr([ast.Constant(spec[1])]))]))
                part = ast.Constant(text[1])
            parts.append(part)
        if all(isinstance(p, ast.Constant) for p in parts):
            return ("s", "".join(p.value for p in parts))  # type: ignore[attr-defined]
        return ("d", ast.JoinedStr(parts))

    def _static_scope(self, node: ast.expr, env: dict[str, Any], g: dict[str, Any]
                      ) -> tuple[str, Any]:
        """A comprehension: evaluated now when every name it reads is decided by the
        layout (its own loop names aside), else not handled."""
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        scope = dict(g)
        for name in names:
            bound = env.get(name)
            if bound is not None:
                if bound[0] != "s" or bound[1] in (_GET, _ADD, _CTX):
                    raise Unsupported(f"a comprehension reading {name}")
                scope[name] = bound[1]
        try:
            return ("s", eval(compile(ast.fix_missing_locations(ast.Expression(node)),
                                      "<lint fold>", "eval"), scope))
        except Exception as exc:
            raise Unsupported(f"folding {ast.unparse(node)}: {exc!r}") from exc

    _e_GeneratorExp = _e_ListComp = _e_SetComp = _e_DictComp = _static_scope
