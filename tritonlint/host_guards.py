"""Host-side size guards: a launch that only runs when a size is below a literal.

Dispatch code often picks a kernel by size (``if n_cols <= 2048: small_kernel[...]``
``else: tiled_kernel[...]``) or refuses large inputs before it launches
(``if n > 65536: raise ValueError``). Within that branch the size is bounded by the
literal, which is a proof for that launch, not an estimate. Read with the stdlib
``ast``, like the rest of the launch reading; nothing is imported or run.

Recognised, for a host expression ``X`` (a name, ``t.shape[0]``, ``t.size(1)``...)
and an int literal ``C``:

* the body of ``if X <= C:`` / ``X < C`` / ``C >= X`` / ``C > X`` / ``X == C`` /
  ``X in (C1, C2)`` (also inside ``and``), and the ``else`` of ``if X > C:`` / ``X >= C`` /
  ``X != C``;
* everything after ``if X > C: raise ...`` (or ``return``) in the same function,
  and after ``assert X <= C`` (``assert head_dim == 128``, ``assert BT in (16, 32, 64)``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class SizeGuard:
    first_line: int
    last_line: int
    expression: str  # the guarded host expression, as ast.unparse writes it
    bound: int  # the expression is at most this within the lines

    def covers(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


def read_guards(scope: ast.AST, constants: dict[str, int] | None = None) -> list[SizeGuard]:
    """The literal size guards of a function. ``constants``: the module's integer
    constants (``SMALL_TOKEN_THRESHOLD = 128``), which a guard may name instead of
    writing the literal."""
    constants = constants or {}
    out: list[SizeGuard] = []
    end = getattr(scope, "end_lineno", None) or 10**9
    for node in ast.walk(scope):
        if isinstance(node, ast.If):
            for expr, bound in _upper_bounds(node.test, constants=constants):
                out.append(SizeGuard(node.body[0].lineno, _last_line(node.body), expr, bound))
            if node.orelse:
                for expr, bound in _upper_bounds(node.test, negated=True, constants=constants):
                    out.append(SizeGuard(node.orelse[0].lineno, _last_line(node.orelse), expr, bound))
    # an early exit or an assert guards the rest of the function only at its top level:
    # nested in a branch, it says nothing about the other branches
    for node in getattr(scope, "body", []):
        if isinstance(node, ast.If) and _exits(node.body) and not node.orelse:
            for expr, bound in _upper_bounds(node.test, negated=True, constants=constants):
                out.append(SizeGuard(_last_line([node]) + 1, end, expr, bound))
        elif isinstance(node, ast.Assert):
            for expr, bound in _upper_bounds(node.test, constants=constants):
                out.append(SizeGuard(node.lineno + 1, end, expr, bound))
    return out


def bound_at(guards: list[SizeGuard], text: str, line: int) -> int | None:
    """The tightest literal bound on the host expression ``text`` that holds at ``line``."""
    if not guards:
        return None
    try:
        text = ast.unparse(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return bound_of_unparsed(guards, text, line)


def bound_of_unparsed(guards: list[SizeGuard], text: str, line: int) -> int | None:
    """:func:`bound_at` of a text as ``ast.unparse`` writes it (no parse needed)."""
    found = [g.bound for g in guards if g.expression == text and g.covers(line)]
    return min(found) if found else None


def _upper_bounds(test: ast.expr, negated: bool = False,
                  constants: dict[str, int] | None = None) -> list[tuple[str, int]]:
    """(expression, bound) pairs that hold when ``test`` is true (or false, negated)."""
    if isinstance(test, ast.BoolOp):
        # `a and b` true: both hold; `a or b` false: neither holds, so both negations do
        if isinstance(test.op, ast.And) and not negated or isinstance(test.op, ast.Or) and negated:
            return [pair for value in test.values for pair in _upper_bounds(value, negated, constants)]
        return []
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _upper_bounds(test.operand, not negated, constants)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return []
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.In) and not negated and isinstance(right, (ast.Tuple, ast.List, ast.Set)) and right.elts:
        # `assert BT in (16, 32, 64)`: at most the largest choice
        choices = [_literal(e, constants) for e in right.elts]
        if _is_size(left) and all(c is not None for c in choices):
            return [(_text(left), max(choices))]
        return []
    if isinstance(op, ast.Eq) and not negated or isinstance(op, ast.NotEq) and negated:
        # `assert head_dim == 128`, `if n != 16: raise`: exactly the literal, so at most it
        for size, value in ((left, right), (right, left)):
            limit = _literal(value, constants)
            if limit is not None and _is_size(size) and _literal(size, constants) is None:
                return [(_text(size), limit)]
        return []
    if negated:
        flipped = {ast.Gt: ast.LtE, ast.GtE: ast.Lt, ast.Lt: ast.GtE, ast.LtE: ast.Gt}.get(type(op))
        if flipped is None:
            return []
        op = flipped()
    if _literal(left, constants) is not None:
        # `C >= X` reads as `X <= C`
        mirrored = {ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Lt: ast.Gt, ast.LtE: ast.GtE}.get(type(op))
        if mirrored is None:
            return []
        left, op, right = right, mirrored(), left
    limit = _literal(right, constants)
    if limit is None or not _is_size(left):
        return []
    if isinstance(op, ast.LtE):
        return [(_text(left), limit)]
    if isinstance(op, ast.Lt):
        return [(_text(left), limit - 1)]
    return []


def _literal(node: ast.expr, constants: dict[str, int] | None = None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.Mult, ast.LShift)):
        a, b = _literal(node.left, constants), _literal(node.right, constants)
        if a is not None and b is not None and 0 <= b <= 64:
            return a ** b if isinstance(node.op, ast.Pow) else a * b if isinstance(node.op, ast.Mult) else a << b
    return None


def _is_size(node: ast.expr) -> bool:
    """A host size: a name, an attribute, `t.shape[d]`, `t.size(d)`, `t.numel()`."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return True
    if isinstance(node, ast.Subscript):
        return _is_size(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("size", "numel", "stride", "dim")
    return False


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Raise, ast.Return))


def _last_line(body: list[ast.stmt]) -> int:
    return max(getattr(s, "end_lineno", None) or s.lineno for s in body)


def _text(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - pathological input
        return ""


def module_constants(tree: ast.Module) -> dict[str, int]:
    """``NAME = 128`` (or ``2**16``) at a module's top level, assigned once."""
    seen: dict[str, list[int | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        for t in targets:
            if isinstance(t, ast.Name):
                seen.setdefault(t.id, []).append(_literal(node.value))
    return {name: values[0] for name, values in seen.items() if len(values) == 1 and values[0] is not None}
