"""The lint pass of one layout compiled once: its checks specialised to the layout, as Python.

The checks (:mod:`iscsitgt_spt.codec.analysis.lint`) are written once, for any layout: they
read the layout, its plan and the path prefix of the structure they check, then the
members' values, and add findings.  Per record, the interpreted pass pays for what depends on
the layout alone over and over: the prefix joined to each member name, the dict of every
leaf's value, the plan's lookups, the branches on a member's type.  :func:`compile_lint`
works that part out once per layout, by partial evaluation of the checks' own source (the
rules stay defined there, and only there): what the layout decides is evaluated now and
folded into the code (sizes, offsets, paths, a finding's severity, full path and offset, the
static half of a message), loops over the layout's members are unrolled, checks that call
helpers taking the context are inlined, and what a record decides (the members read, the
buffer's length, its trailing bytes, the caller's flags) becomes Python code reading the
members straight from the bytes with the fast codec's ``struct`` format and leaf
expressions (:attr:`~iscsitgt_spt.codec.fast.FastCodec.items`).

The specialiser knows a small subset of Python, the one the checks are written in; a check
using anything else raises :class:`Unsupported` and the layout keeps the interpreted pass
(the oracle: ``tests/codec/analysis/test_lint_compile.py`` holds the two to the same
findings, text, path, offset and order on generated and mutated buffers of every structure
and profile).  What it assumes of the checks: a call whose arguments are all decided by the
layout (``control_codes()``, ``ctx.plan.size_of(...)``) is a function of them, evaluated
once; a check's only effect is ``ctx.add``.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.codec.analysis.lint_fold import Unsupported, evaluate, parsed
from iscsitgt_spt.codec.analysis.lint_rules import Finding
from iscsitgt_spt.codec.fast import FastCodec, wchar_from_bytes

__all__ = ["CompiledLint", "Unsupported", "compile_lint"]

#: ``compiled(data, trailing, payload, total, expect_session, output, available)``, the
#: findings
CompiledLint = Callable[[bytes, bytes, Any, int, bool, "bool | None", int], list[Finding]]


_GET, _ADD, _CTX = object(), object(), object()  # ctx.get, ctx.add and ctx itself
_POISON = ("poison", None)  # a local bound differently by the branches of an ``if``
#: the function's parameters a context's per-run attribute becomes
_PARAMS = ("data", "trailing", "payload", "total", "expect_session", "output", "available")
_LITERALS = (type(None), bool, int, float, str, bytes)


def _is(bound: tuple[str, Any], marker: object) -> bool:
    """Whether ``bound`` is the static ``marker`` (by identity: a value's ``==`` may be
    anything)."""
    return bound[0] == "s" and bound[1] is marker


class _Program:
    """One layout's checks being specialised into one function's statements."""

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

    # -- statements ------------------------------------------------------------------------
    def inline(self, source: tuple[ast.FunctionDef, list[ast.stmt]], g: dict[str, Any],
               args: list[tuple[str, Any]], keywords: dict[str, tuple[str, Any]]
               ) -> list[ast.stmt]:
        """The statements of a call to the function ``source`` (its module's globals
        ``g``)."""
        tree, body = source
        spec = tree.args
        if spec.vararg or spec.kwarg or spec.kwonlyargs or spec.posonlyargs or spec.defaults:
            raise Unsupported(f"{tree.name}'s parameters")
        names = [a.arg for a in spec.args]
        if len(args) > len(names) or set(keywords) - set(names[len(args):]) or (
                len(args) + len(keywords) != len(names)):
            raise Unsupported(f"a call of {tree.name}")
        self.inlined += 1
        env: dict[str, Any] = {"": self.inlined}  # ("" keys the inlined call's locals)
        out: list[ast.stmt] = []
        for name, item in [*zip(names, args), *keywords.items()]:
            if item[0] == "s":
                env[name] = item
            else:  # bound to a local, as a call does: evaluated once
                local = self.local(env, name)
                out.append(ast.Assign([ast.Name(local, ast.Store())], item[1]))
        out += self.block(body, env, g)
        return out

    def local(self, env: dict[str, Any], name: str) -> str:
        local = f"{name}_{env['']}"
        env[name] = ("d", ast.Name(local, ast.Load()))
        return local

    def block(self, stmts: Sequence[ast.stmt], env: dict[str, Any], g: dict[str, Any]
              ) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            method = getattr(self, "_s_" + type(stmt).__name__, None)
            if method is None:
                raise Unsupported(type(stmt).__name__)
            out += method(stmt, env, g)
        return out

    def _s_Pass(self, stmt: ast.Pass, env: dict[str, Any], g: dict[str, Any]
                ) -> list[ast.stmt]:
        return []

    def _s_Return(self, stmt: ast.Return, env: dict[str, Any], g: dict[str, Any]
                  ) -> list[ast.stmt]:
        if stmt.value is not None or not getattr(stmt, "tail", False):
            raise Unsupported("a return not ending its function")
        return []

    def _s_Assign(self, stmt: ast.Assign, env: dict[str, Any], g: dict[str, Any]
                  ) -> list[ast.stmt]:
        if len(stmt.targets) != 1:
            raise Unsupported("chained assignment")
        return self.assign(stmt.targets[0], self.expr(stmt.value, env, g), env)

    def assign(self, target: ast.expr, value: tuple[str, Any], env: dict[str, Any]
               ) -> list[ast.stmt]:
        names = ([target.id] if isinstance(target, ast.Name)
                 else [e.id for e in target.elts if isinstance(e, ast.Name)]
                 if isinstance(target, ast.Tuple) else [])
        if not names or (isinstance(target, ast.Tuple) and len(names) != len(target.elts)):
            raise Unsupported("an assignment to other than names")
        if value[0] == "s":
            values = [value[1]] if isinstance(target, ast.Name) else list(value[1])
            if len(values) != len(names):
                raise Unsupported("unpacking a value of another length")
            for name, item in zip(names, values):
                env[name] = ("s", item)
            return []
        stores: list[ast.expr] = [ast.Name(self.local(env, name), ast.Store())
                                  for name in names]
        store = stores[0] if isinstance(target, ast.Name) else ast.Tuple(stores, ast.Store())
        return [ast.Assign([store], value[1])]

    def _s_AugAssign(self, stmt: ast.AugAssign, env: dict[str, Any], g: dict[str, Any]
                     ) -> list[ast.stmt]:
        if not isinstance(stmt.target, ast.Name):
            raise Unsupported("an augmented assignment to other than a name")
        name = stmt.target.id
        current = self.expr(ast.Name(name, ast.Load()), env, g)
        value = self.expr(stmt.value, env, g)
        if current[0] == "s" and value[0] == "s":
            env[name] = self.fold(ast.BinOp(self.const(current[1]), stmt.op,
                                            self.const(value[1])))
            return []
        out: list[ast.stmt] = []
        if current[0] == "s":  # made a local from here on
            out.append(ast.Assign([ast.Name(self.local(env, name), ast.Store())],
                                  self.const(current[1])))
        local = env[name][1].id
        return [*out, ast.AugAssign(ast.Name(local, ast.Store()), stmt.op, self.code(value))]

    def _s_If(self, stmt: ast.If, env: dict[str, Any], g: dict[str, Any]) -> list[ast.stmt]:
        test = self.expr(stmt.test, env, g)
        if test[0] == "s":
            return self.block(stmt.body if test[1] else stmt.orelse, env, g)
        then, orelse = dict(env), dict(env)
        body = self.block(stmt.body, then, g) or [ast.Pass()]
        other = self.block(stmt.orelse, orelse, g)
        for name in {*then, *orelse} - {""}:  # what both branches leave alike stays known
            a, b = then.get(name), orelse.get(name)
            same = a == b if a is None or b is None or a[0] == "d" else (
                b[0] == "s" and a[1] is b[1])
            env[name] = a if same else _POISON
        return [ast.If(test[1], body, other)]

    def _s_For(self, stmt: ast.For, env: dict[str, Any], g: dict[str, Any]
               ) -> list[ast.stmt]:
        iterable = self.expr(stmt.iter, env, g)
        # (``break`` and ``continue`` are statements the specialiser does not handle)
        if iterable[0] != "s" or stmt.orelse:
            raise Unsupported("a loop over values not decided by the layout")
        out: list[ast.stmt] = []
        for item in iterable[1]:  # unrolled: the layout's cookies, leaves...
            out += self.assign(stmt.target, ("s", item), env)
            out += self.block(stmt.body, env, g)
        return out

    def _s_Expr(self, stmt: ast.Expr, env: dict[str, Any], g: dict[str, Any]
                ) -> list[ast.stmt]:
        call = stmt.value
        if isinstance(call, ast.Constant) and isinstance(call.value, str):
            return []  # a docstring
        if not isinstance(call, ast.Call):
            raise Unsupported("an expression statement")
        callee = self.expr(call.func, env, g)
        if _is(callee, _ADD):
            return self.add(call, env, g)
        function = callee[1] if callee[0] == "s" else None
        if inspect.isfunction(function) and call.args and _is(self.expr(
                call.args[0], env, g), _CTX):
            args = [self.expr(a, env, g) for a in call.args]
            keywords = {k.arg: self.expr(k.value, env, g) for k in call.keywords
                        if k.arg is not None}
            if len(keywords) != len(call.keywords):
                raise Unsupported("**kwargs")
            return self.inline(parsed(function), function.__globals__, args, keywords)
        raise Unsupported(f"the statement {ast.unparse(stmt)}")

    def add(self, call: ast.Call, env: dict[str, Any], g: dict[str, Any]) -> list[ast.stmt]:
        """``ctx.add(code, path, message, offset)``: where the finding is, worked out now
        when the layout decides it (``spot``, the interpreted pass's own function)."""
        given = dict(zip(self.add_params, call.args))
        given.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
        if len(given) != len(call.args) + len(call.keywords) or set(given) - set(
                self.add_params):
            raise Unsupported("a call of ctx.add")
        args = {name: self.expr(given[name], env, g) if name in given else ("s", None)
                for name in self.add_params}
        code, path, message, offset = (args[n] for n in self.add_params)
        if code[0] == path[0] == offset[0] == "s":
            severity, full, where = self.spot(str(code[1]), str(path[1]), offset[1])
            finding = ast.Call(ast.Name("Finding", ast.Load()),
                               [self.const(severity), self.const(code[1]), self.const(full),
                                self.const(where), self.code(message)], [])
            return [ast.Expr(ast.Call(ast.Name("append", ast.Load()), [finding], []))]
        # The record decides it: the same function, called then.
        names = ("spot_severity", "spot_path", "spot_offset")
        spot = ast.Call(ast.Name("SPOT", ast.Load()),
                        [self.code(code), self.code(path), self.code(offset)], [])
        finding = ast.Call(ast.Name("Finding", ast.Load()), [
            ast.Name(names[0], ast.Load()), self.code(code), ast.Name(names[1], ast.Load()),
            ast.Name(names[2], ast.Load()), self.code(message)], [])
        return [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())],
                           spot),
                ast.Expr(ast.Call(ast.Name("append", ast.Load()), [finding], []))]


def compile_lint(
    codec: FastCodec, view: Any, steps: Sequence[tuple[Any, tuple[Any, ...]]], *,
    static: Sequence[str], per_run: Sequence[str],
    spot: Callable[[str, str, int | None], tuple[str, str, int]],
    add_params: Sequence[str], order: Callable[[Finding], Any],
    stop: type[Exception] | None = None, caught: type[Exception] | None = None,
) -> tuple[CompiledLint, ast.Module]:
    """The checks ``steps`` (each a check and its arguments after the context, in the order
    the interpreted pass runs them) of ``codec``'s layout as one function reading a whole
    buffer's bytes, and its code (``ast.unparse`` writes it out).  ``view`` answers the
    context's attributes ``static`` (decided by the layout); ``per_run`` ones are the
    function's parameters of those names;
    ``spot(code, path, offset)`` is where a finding is (severity, full path, offset);
    ``order`` the key the findings are sorted by.  With ``stop``, the function lints a
    buffer cut short, zero-padded to the layout's size, of which the first ``available``
    bytes are there: reading a member past them raises ``stop()``, and ``caught`` (its
    class or a base) ends the check raising it (the interpreted pass's ``lint_cut``).
    Raises :class:`Unsupported`."""
    if set(per_run) - set(_PARAMS):
        raise Unsupported(f"per-run attributes {sorted(set(per_run) - set(_PARAMS))}")
    program = _Program(view, static, per_run, spot, add_params,
                       {leaf.member.path: leaf.member.end for leaf in codec.leaves},
                       stop is not None)
    body: list[ast.stmt] = []
    for check, args in steps:
        block = program.inline(parsed(check), check.__globals__,
                               [("s", _CTX), *(("s", a) for a in args)], {})
        if stop is not None and block:  # reading a member past the cut ends its check
            block = [ast.Try(block, [ast.ExceptHandler(ast.Name("Stop", ast.Load()), None,
                                                       [ast.Pass()])], [], [])]
        body += block
    items = {leaf.member.path: item for leaf, item in zip(codec.leaves, codec.items)}
    slots = ", ".join(f"f{i}" for i in range(_slots(codec)))
    reads = "".join(f"    {name} = {items[path]}\n" for path, name in program.reads.items())
    module = ast.parse(f"def lint_compiled({', '.join(_PARAMS)}):\n"
                       + (f"    {slots}, = unpack(data)\n" if program.reads else "")
                       + reads + "    findings = []\n    append = findings.append\n"
                       "    if len(findings) > 1:\n        findings.sort(key=ORDER)\n"
                       "    return findings\n")
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    function.body[-2:-2] = body  # the checks, between the reads and the sort
    namespace: dict[str, Any] = dict(program.consts)

    def raise_stop() -> Any:
        assert stop is not None
        raise stop()
    namespace.update(unpack=codec.struct.unpack, wchar=wchar_from_bytes, Finding=Finding,
                     ORDER=order, SPOT=spot, STOP=raise_stop, Stop=caught or stop)
    layout = codec.layout
    exec(compile(ast.fix_missing_locations(module), f"<lint {layout.name} {layout.profile}>",
                 "exec"), namespace)
    return namespace["lint_compiled"], module


def _slots(codec: FastCodec) -> int:
    """How many slots ``struct.unpack`` gives for the codec's format."""
    return len(codec.struct.unpack(bytes(codec.struct.size)))
