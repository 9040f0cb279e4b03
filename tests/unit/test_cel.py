"""CEL as admission expressions see it: the language through cel-python, Kubernetes' library functions,
and cel-go's error wording."""

from __future__ import annotations

from typing import Any

import pytest

from pinnace.apiserver.cel import NAMESPACES, CompileError, EvalError, compile_expression, from_cel, to_cel

OBJECT = {
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
    "spec": {
        "replicas": 3,
        "containers": [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "busybox"}],
    },
}


def run(expression: str, **variables: Any) -> Any:
    activation = {**NAMESPACES, "object": to_cel(OBJECT), **{k: to_cel(v) for k, v in variables.items()}}
    return from_cel(compile_expression(expression).evaluate(activation))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("object.spec.replicas <= 5", True),
        ("has(object.metadata.labels) && 'app' in object.metadata.labels", True),
        ("has(object.spec.paused)", False),
        ("object.spec.containers.all(c, c.image.contains(':'))", False),
        ("object.spec.containers.exists(c, c.name == 'b')", True),
        ("object.spec.containers.map(c, c.name)", ["a", "b"]),
        ("object.spec.containers.filter(c, c.image.startsWith('nginx')).size()", 1),
        ("object.metadata.name.matches('^w')", True),
        ("'replicas: ' + string(object.spec.replicas)", "replicas: 3"),
        ("object.metadata.name.upperAscii()", "WEB"),
        ("'a,b,c'.split(',')", ["a", "b", "c"]),
        ("'a-b-c'.replace('-', '_', 1)", "a_b-c"),
        ("'hello'.substring(1, 3)", "el"),
        ("'  x  '.trim()", "x"),
        ("'abcabc'.lastIndexOf('b')", 4),
        ("['x', 'y'].join('/')", "x/y"),
        ("[3, 1, 2].max()", 3),
        ("[1, 2, 3].sum()", 6),
        ("[1, 2, 3].isSorted()", True),
        ("'image:v1.2'.find('[0-9.]+$')", "1.2"),
        ("quantity('1Gi').isGreaterThan(quantity('1000Mi'))", True),
        ("quantity('500m').add(quantity('1')).asApproximateFloat()", 1.5),
        ("quantity('2').compareTo(quantity('2000m'))", 0),
        ("isQuantity('1Ki') && !isQuantity('one')", True),
        ("sets.contains(['a', 'b', 'c'], ['a', 'c'])", True),
        ("sets.intersects(['a'], ['b'])", False),
        ("math.greatest(1, 7, 3)", 7),
        ("url('https://example.com:8443/p?q=1').getPort()", "8443"),
        ("oldObject == null", True),
    ],
)
def test_expressions_evaluate_as_cel_go_would(expression: str, expected: Any) -> None:
    assert run(expression, oldObject=None) == expected


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("object.metadata.annotations.x", "no such key: annotations"),
        ("object.spec.replicas / 0", "division by zero"),
        ("object.spec.replicas + 'x'", "no such overload"),
        ("missing.field", "undeclared reference to 'missing' (in container '')"),
        (
            "quantity('lots')",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
    ],
)
def test_run_time_errors_read_as_cel_go_words_them(expression: str, error: str) -> None:
    with pytest.raises(EvalError) as caught:
        run(expression)
    assert str(caught.value) == error


def test_a_syntax_error_is_a_compile_error_with_its_position() -> None:
    with pytest.raises(CompileError) as caught:
        compile_expression("object.spec.replicas <=")
    assert str(caught.value).startswith("ERROR: <input>:1:")
    assert "Syntax error" in str(caught.value)
