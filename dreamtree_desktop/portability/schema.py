"""The export's JSON Schema (package data, copied to docs/) and its validator.

Validation runs through the `jsonschema` library (Draft 2020-12). Plain jsonschema spends
~60 µs per record of a large backup (3 s for 50,000 records), so the `properties` and `items`
keywords get a fast path: each subschema made only of simple keywords (type, enum, const,
pattern, minimum/maximum, min/maxLength, required, properties, additionalProperties: false,
items, local $ref) is compiled once into a predicate that can only say "certainly valid". When
it says anything else, jsonschema's own keyword code runs and produces the error, so results
are the library's in every case; a property test (tests/portability) checks that the two
validators agree on fuzzed documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_FILE = "export.schema.json"
Predicate = Callable[[Any], bool]
_SIMPLE = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "$ref",
        "anyOf",
        "description",
        "title",
        "$comment",
    }
)
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


class _Compiler:
    """Turns simple subschemas into generated Python predicates (one function per subschema).

    A predicate returns True only when jsonschema would accept the value; False means "not
    sure", and jsonschema then validates that value itself.
    """

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.cache: dict[int, Predicate | None] = {}
        self.names: dict[int, str | None] = {}
        self.env: dict[str, Any] = {"_M": object(), "re": re}
        self.pending: list[str] = []
        self._busy: set[int] = set()

    def resolve(self, ref: str) -> dict[str, Any] | None:
        if not ref.startswith("#/"):
            return None
        node: Any = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, dict) else None

    def compile(self, schema: Any) -> Predicate | None:
        key = id(schema)
        if key not in self.cache:
            name = self._function(schema)
            if name is None:
                self.cache[key] = None
            else:
                source = "\n\n".join(self.pending)
                self.pending = []
                if source:
                    exec(compile(source, "<export schema>", "exec"), self.env)
                self.cache[key] = self.env[name]
        return self.cache[key]

    def _const(self, value: Any) -> str:
        name = f"_c{len(self.env)}"
        self.env[name] = value
        return name

    def _function(self, schema: Any) -> str | None:
        """Name of the generated function checking `schema`, or None when it is not simple."""
        key = id(schema)
        if key in self.names:
            return self.names[key]
        if key in self._busy:  # recursive: leave it to jsonschema
            return None
        self._busy.add(key)
        try:
            body = self._body(schema)
        finally:
            self._busy.discard(key)
        if body is None:
            self.names[key] = None
            return None
        name = f"_f{len(self.names)}"
        self.names[key] = name
        self.pending.append(f"def {name}(v):\n" + "\n".join("    " + line for line in body))
        return name

    def _expr(self, schema: Any, var: str) -> str | None:
        """An expression true only if `var` certainly satisfies `schema`."""
        if schema is True or schema == {}:
            return "True"
        if not isinstance(schema, dict) or not set(schema) <= _SIMPLE:
            return None
        parts: list[str] = []
        if "$ref" in schema:
            if set(schema) - {"$ref", "description", "title", "$comment"}:
                return None  # a $ref beside other keywords: rare, left to jsonschema
            target = self.resolve(schema["$ref"])
            name = self._function(target) if target is not None else None
            return None if name is None else f"{name}({var})"
        if any(k in schema for k in ("properties", "required", "additionalProperties", "items")):
            name = self._function(schema)
            return None if name is None else f"{name}({var})"
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
            if not isinstance(names, list) or not all(n in _PY_TYPES for n in names):
                return None
            allowed = tuple(sorted({t for n in names for t in _PY_TYPES[n]}, key=lambda t: t.__name__))
            # type() rather than isinstance(): True must not pass as an integer.
            if len(allowed) == 1:
                parts.append(f"type({var}) is {self._const(allowed[0])}")
            else:
                parts.append(f"type({var}) in {self._const(allowed)}")
        if "anyOf" in schema:
            options = [self._expr(option, var) for option in schema["anyOf"]]
            if not options or any(o is None for o in options):
                return None
            parts.append("(" + " or ".join(f"({o})" for o in options) + ")")
        if "enum" in schema or "const" in schema:
            values = schema["enum"] if "enum" in schema else [schema["const"]]
            if not all(o is None or type(o) is str for o in values):
                return None
            parts.append(
                f"({var} is None or type({var}) is str) and {var} in {self._const(frozenset(values))}"
            )
        if "pattern" in schema:
            regex = self._const(re.compile(schema["pattern"]))
            parts.append(f"(type({var}) is not str or {regex}.search({var}) is not None)")
        for keyword, op in (("minimum", ">="), ("maximum", "<=")):
            if keyword in schema:
                bound = self._const(schema[keyword])
                parts.append(f"(type({var}) not in (int, float) or {var} {op} {bound})")
        for keyword, op in (("minLength", ">="), ("maxLength", "<=")):
            if keyword in schema:
                parts.append(f"(type({var}) is not str or len({var}) {op} {int(schema[keyword])})")
        return " and ".join(f"({p})" for p in parts) if parts else "True"

    def _body(self, schema: Any) -> list[str] | None:
        if not isinstance(schema, dict) or not set(schema) <= _SIMPLE:
            return None
        structural = any(k in schema for k in ("properties", "required", "additionalProperties", "items"))
        if not structural:
            expr = self._expr(schema, "v")
            return None if expr is None else [f"return {expr}"]
        lines: list[str] = []
        scalar = {
            k: v
            for k, v in schema.items()
            if k not in ("properties", "required", "additionalProperties", "items")
        }
        if scalar:
            expr = self._expr(scalar, "v")
            if expr is None:
                return None
            lines.append(f"if not ({expr}): return False")
        if any(k in schema for k in ("properties", "required", "additionalProperties")):
            extra = schema.get("additionalProperties", True)
            if extra not in (True, False):
                return None
            props = schema.get("properties", {})
            lines.append("if type(v) is dict:")
            if extra is False:
                lines.append(f"    if not (v.keys() <= {self._const(frozenset(props))}): return False")
            required = schema.get("required", [])
            if required:
                lines.append(f"    if not ({self._const(frozenset(required))} <= v.keys()): return False")
            for name, sub in props.items():
                expr = self._expr(sub, "x")
                if expr is None:
                    return None
                if expr == "True":
                    continue
                lines.append(f"    x = v.get({name!r}, _M)")
                lines.append(f"    if x is not _M and not ({expr}): return False")
        if "items" in schema:
            expr = self._expr(schema["items"], "x")
            if expr is None:
                return None
            lines.append("if type(v) is list:")
            lines.append("    for x in v:")
            lines.append(f"        if not ({expr}): return False")
        lines.append("return True")
        return lines


def _make_validator_class(compiler: _Compiler) -> type:
    base = Draft202012Validator
    plain_properties = base.VALIDATORS["properties"]
    plain_items = base.VALIDATORS["items"]

    def properties(
        validator: Any, props: dict[str, Any], instance: Any, schema: dict[str, Any]
    ) -> Iterator[Any]:
        if type(instance) is not dict:
            yield from plain_properties(validator, props, instance, schema)
            return
        for name, sub in props.items():
            if name in instance:
                fast = compiler.compile(sub)
                if fast is not None and fast(instance[name]):
                    continue
                yield from validator.descend(instance[name], sub, path=name, schema_path=name)

    def items(validator: Any, items_schema: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        fast = compiler.compile(items_schema)
        if (
            fast is None
            or type(instance) is not list
            or "prefixItems" in schema
            or isinstance(items_schema, bool)
        ):
            yield from plain_items(validator, items_schema, instance, schema)
            return
        for index, item in enumerate(instance):
            if not fast(item):
                yield from validator.descend(item, items_schema, path=index)

    extended: type = validators.extend(base, {"properties": properties, "items": items})
    return extended


@cache
def validator() -> Any:
    root = load_schema()
    cls = _make_validator_class(_Compiler(root))
    return cls(root)


@cache
def plain_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def pointer(path: Any) -> str:
    """A JSON Pointer ("/modules/1.1/rows/user_stories/0/title") for a jsonschema path."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def first_error(document: Any) -> ValidationError | None:
    return best_match(validator().iter_errors(document))


def describe(error: ValidationError) -> str:
    message = str(error.message)
    if len(message) > 200:
        message = message[:197] + "..."
    return message
