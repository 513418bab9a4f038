"""The specialiser's statements (:class:`_Program`): the checks inlined, their loops over
the layout's members unrolled, ``ctx.add`` turned into appending a finding; and
:func:`compile_lint`, which wraps them into one function reading the members from the
bytes."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.codec.analysis._lint_compile.expressions import (
    _ADD,
    _CTX,
    _PARAMS,
    _POISON,
    _Expressions,
    _is,
)
from iscsitgt_spt.codec.analysis.lint_fold import Unsupported, parsed
from iscsitgt_spt.codec.analysis.lint_rules import Finding
from iscsitgt_spt.codec.fast import FastCodec, wchar_from_bytes

#: ``compiled(data, trailing, payload, total, expect_session, output, available)``, the
#: findings
CompiledLint = Callable[[bytes, bytes, Any, int, bool, "bool | None", int], list[Finding]]


class _Program(_Expressions):
    """One layout's checks being specialised into one function's statements."""

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
