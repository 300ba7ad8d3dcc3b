"""Reading an HTTP body the way the real server does: serde_json, streaming, with positions.

axum's ``Json`` extractor deserialises the body straight into the handler's struct, so
the first problem *in document order* decides: a wrong-typed field before a syntax error
is a 422, an unknown field's value is skipped without its strings being checked for
lone surrogates, and an enum given something that is neither a string nor an object is
a syntax error (400).  Every error ends with serde_json's `` at line L column C`` and
starts with the field path serde_path_to_error records (``title``, ``metadata.a``,
``[0]``); errors inside the ``content`` object, which serde buffers before choosing the
variant, are reported at ``content`` (or ``content.type`` for the tag itself) and at the
position after the object.

Only the top-level request structs are read here; each field's value is then handed to
the schema parsers of :mod:`._wire`, which normalise it.
"""

import math
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

_WHITESPACE = b" \t\n\r"
_ESCAPES = {
    ord('"'): '"',
    ord("\\"): "\\",
    ord("/"): "/",
    ord("b"): "\b",
    ord("f"): "\f",
    ord("n"): "\n",
    ord("r"): "\r",
    ord("t"): "\t",
}
_HEX = b"0123456789abcdefABCDEF"


class Failure(Exception):
    """One serde_json error: syntax (400) or data (422), with its path and position."""

    def __init__(self, syntax: bool, message: str, path: str, line: int, column: int) -> None:
        prefix = f"{path}: " if path else ""
        super().__init__(f"{prefix}{message} at line {line} column {column}")
        self.syntax = syntax


class Field(NamedTuple):
    """One struct field: its kind and, for enums, its variants."""

    name: str
    kind: str  # string, uuid, timestamp, enum, value, content
    optional: bool = False
    variants: Tuple[str, ...] = ()
    expecting: str = "a string"


class Schema(NamedTuple):
    """A top-level request struct."""

    name: str
    fields: Tuple[Field, ...]
    content: Optional[Callable[[Any, str], Any]] = None
    tag_variants: Tuple[str, ...] = ()


def one_of(variants: Sequence[str]) -> str:
    """serde's list of expected variants."""
    if not variants:
        return "there are no variants"
    quoted = [f"`{v}`" for v in variants]
    if len(quoted) == 1:
        return f"expected {quoted[0]}"
    if len(quoted) == 2:
        return f"expected {quoted[0]} or {quoted[1]}"
    return "expected one of " + ", ".join(quoted)


def _join(path: str, segment: str) -> str:
    if segment.startswith("["):
        return path + segment
    return f"{path}.{segment}" if path else segment


class _Reader:
    """serde_json's slice reader: a byte index and its error positions."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index = 0
        self.key_end = 0

    def position(self, index: int) -> Tuple[int, int]:
        before = self.data[:index]
        line = before.count(b"\n") + 1
        return line, index - (before.rfind(b"\n") + 1)

    def fail(self, syntax: bool, message: str, path: str, index: Optional[int] = None) -> Failure:
        line, column = self.position(self.index if index is None else index)
        return Failure(syntax, message, path, line, column)

    def peek_fail(self, message: str, path: str) -> Failure:
        return self.fail(True, message, path, min(len(self.data), self.index + 1))

    def peek(self) -> Optional[int]:
        while self.index < len(self.data) and self.data[self.index] in _WHITESPACE:
            self.index += 1
        return self.data[self.index] if self.index < len(self.data) else None

    def next_byte(self) -> Optional[int]:
        if self.index >= len(self.data):
            return None
        self.index += 1
        return self.data[self.index - 1]

    # -- scalars -----------------------------------------------------------------------

    def ident(self, rest: bytes, path: str) -> None:
        for expected in rest:
            got = self.next_byte()
            if got is None:
                raise self.fail(True, "EOF while parsing a value", path)
            if got != expected:
                raise self.fail(True, "expected ident", path)

    def string(self, path: str, validate: bool = True) -> str:
        """A string whose opening quote is the next byte."""
        self.index += 1
        out: List[str] = []
        start = self.index
        while True:
            byte = self.next_byte()
            if byte is None:
                raise self.fail(True, "EOF while parsing a string", path)
            if byte == ord('"'):
                break
            if byte == ord("\\"):
                out.append(self._utf8(self.data[start : self.index - 1], path))
                out.append(self._escape(path, validate))
                start = self.index
            elif byte < 0x20:
                raise self.fail(
                    True, "control character (\\u0000-\\u001F) found while parsing a string", path
                )
        out.append(self._utf8(self.data[start : self.index - 1], path))
        return "".join(out)

    def _utf8(self, chunk: bytes, path: str) -> str:
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(True, "invalid unicode code point", path) from None

    def _hex4(self, path: str) -> int:
        if self.index + 4 > len(self.data):
            self.index = len(self.data)
            raise self.fail(True, "EOF while parsing a string", path)
        digits = self.data[self.index : self.index + 4]
        self.index += 4
        if any(d not in _HEX for d in digits):
            raise self.fail(True, "invalid escape", path)
        return int(digits, 16)

    def _escape(self, path: str, validate: bool) -> str:
        byte = self.next_byte()
        if byte is None:
            raise self.fail(True, "EOF while parsing a string", path)
        if byte in _ESCAPES:
            return _ESCAPES[byte]
        if byte != ord("u"):
            raise self.fail(True, "invalid escape", path)
        first = self._hex4(path)
        if 0xDC00 <= first <= 0xDFFF:
            if validate:
                raise self.fail(True, "lone leading surrogate in hex escape", path)
            return "\ufffd"
        if not 0xD800 <= first <= 0xDBFF:
            return chr(first)
        for expected in b"\\u":
            got = self.next_byte()
            if got != expected:
                if validate:
                    if got is None:
                        raise self.fail(True, "EOF while parsing a string", path)
                    raise self.fail(True, "unexpected end of hex escape", path)
                if got is not None:
                    self.index -= 1
                return "\ufffd"
        second = self._hex4(path)
        if not 0xDC00 <= second <= 0xDFFF:
            if validate:
                raise self.fail(True, "lone leading surrogate in hex escape", path)
            return "\ufffd" + chr(second)
        return chr(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))

    def number(self, path: str) -> Any:
        start = self.index
        if self.data[self.index : self.index + 1] == b"-":
            self.index += 1
        digits = self._digits()
        if not digits:
            raise self.peek_fail("invalid number", path)
        if digits.startswith(b"0") and len(digits) > 1:
            self.index = start + (self.data[start] == ord("-")) + 1
            raise self.peek_fail("invalid number", path)
        is_float = False
        if self.data[self.index : self.index + 1] == b".":
            self.index += 1
            is_float = True
            if not self._digits():
                raise self.peek_fail("invalid number", path)
        if self.data[self.index : self.index + 1] in (b"e", b"E"):
            self.index += 1
            is_float = True
            if self.data[self.index : self.index + 1] in (b"+", b"-"):
                self.index += 1
            if not self._digits():
                raise self.peek_fail("invalid number", path)
        text = self.data[start : self.index].decode("ascii")
        if not is_float:
            value = int(text)
            if -(2**63) <= value < 2**64:
                return value
        number = float(text)
        if math.isinf(number):
            raise self.fail(True, "number out of range", path)
        return number

    def _digits(self) -> bytes:
        start = self.index
        while self.index < len(self.data) and 0x30 <= self.data[self.index] <= 0x39:
            self.index += 1
        return self.data[start : self.index]

    # -- whole values --------------------------------------------------------------------

    def value(self, path: str, keep: bool = True) -> Any:
        """Any JSON value (``keep=False``: skipped, strings not checked for surrogates)."""
        peek = self.peek()
        if peek is None:
            raise self.peek_fail("EOF while parsing a value", path)
        if peek == ord('"'):
            return self.string(path, validate=keep)
        if peek == ord("{"):
            self.index += 1
            out: Dict[str, Any] = {}
            for key in self.entries(path):
                out[key] = self.value(_join(path, key) if keep else path, keep)
            return out
        if peek == ord("["):
            self.index += 1
            items: List[Any] = []
            for index in self.elements(path):
                items.append(self.value(_join(path, f"[{index}]") if keep else path, keep))
            return items
        if peek in (ord("-"),) or 0x30 <= peek <= 0x39:
            return self.number(path)
        self.index += 1
        literals = {ord("n"): (b"ull", None), ord("t"): (b"rue", True), ord("f"): (b"alse", False)}
        if peek in literals:
            rest, literal = literals[peek]
            self.ident(rest, path)
            return literal
        self.index -= 1
        raise self.peek_fail("expected value", path)

    def entries(self, path: str) -> Any:
        """Yield each key of an object whose ``{`` is consumed, leaving at its value."""
        first = True
        while True:
            peek = self.peek()
            if peek == ord("}"):
                self.index += 1
                return
            if peek is None:
                raise self.peek_fail("EOF while parsing an object", path)
            if not first:
                if peek != ord(","):
                    raise self.peek_fail("expected `,` or `}`", path)
                self.index += 1
                peek = self.peek()
            if peek == ord("}"):
                raise self.peek_fail("trailing comma", path)
            if peek is None:
                raise self.peek_fail("EOF while parsing a value", path)
            if peek != ord('"'):
                raise self.peek_fail("key must be a string", path)
            first = False
            key = self.string(path)
            self.key_end = self.index
            self.colon(path)
            yield key

    def colon(self, path: str) -> None:
        peek = self.peek()
        if peek == ord(":"):
            self.index += 1
            return
        if peek is None:
            raise self.peek_fail("EOF while parsing an object", path)
        raise self.peek_fail("expected `:`", path)

    def elements(self, path: str) -> Any:
        """Yield each index of an array whose ``[`` is consumed, leaving at the element."""
        index = 0
        while True:
            peek = self.peek()
            if peek == ord("]"):
                self.index += 1
                return
            if peek is None:
                raise self.peek_fail("EOF while parsing a list", path)
            if index:
                if peek != ord(","):
                    raise self.peek_fail("expected `,` or `]`", path)
                self.index += 1
                peek = self.peek()
                if peek == ord("]"):
                    raise self.peek_fail("trailing comma", path)
            yield index
            index += 1


def _unexpected(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "sequence"
    from ._wire import describe  # noqa: PLC0415 - _wire imports this module

    return describe(value)


class _Struct:
    """Reads one request struct field by field, in document order."""

    def __init__(self, reader: _Reader, schema: Schema) -> None:
        self.reader = reader
        self.schema = schema

    def scalar(self, field: Field, path: str) -> Any:
        """A string-like field: a string, else serde's invalid-type error."""
        reader = self.reader
        peek = reader.peek()
        if peek in (ord("{"), ord("[")):
            kind = "map" if peek == ord("{") else "sequence"
            raise reader.fail(False, f"invalid type: {kind}, expected {field.expecting}", path)
        if peek == ord('"'):
            return reader.string(path)
        raise self.invalid(reader.value(path), field.expecting, path)

    def invalid(self, value: Any, expecting: str, path: str) -> Failure:
        """serde's invalid-type error for a value just read."""
        return self.reader.fail(
            False, f"invalid type: {_unexpected(value)}, expected {expecting}", path
        )

    def enum(self, field: Field, path: str) -> str:
        reader = self.reader
        peek = reader.peek()
        if peek == ord('"'):
            text = reader.string(path)
        elif peek == ord("{"):
            reader.index += 1
            if reader.peek() != ord('"'):
                raise reader.peek_fail("key must be a string", path)
            text = reader.string(path)
            self._check_variant(text, field, path)
            reader.colon(path)
            unit_path = _join(path, text)
            unit = reader.value(unit_path)
            if unit is not None:
                raise self.invalid(unit, "unit", unit_path)
            if reader.peek() != ord("}"):
                raise reader.fail(True, "expected value", path)
            reader.index += 1
            return text
        elif peek is None:
            raise reader.peek_fail("EOF while parsing a value", path)
        else:
            raise reader.peek_fail("expected value", path)
        self._check_variant(text, field, path)
        return text

    def _check_variant(self, text: str, field: Field, path: str) -> None:
        if text not in field.variants:
            message = f"unknown variant `{text}`, {one_of(field.variants)}"
            raise self.reader.fail(False, message, path)

    def field(self, field: Field, path: str) -> Any:
        reader = self.reader
        if field.optional and reader.peek() == ord("n"):
            reader.index += 1
            reader.ident(b"ull", path)
            return None
        if field.kind == "enum":
            return self.enum(field, path)
        if field.kind == "value":
            return reader.value(path)
        if field.kind == "content":
            return self.content(path)
        text = self.scalar(field, path)
        if field.kind in ("uuid", "timestamp"):
            from ._wire import check_scalar  # noqa: PLC0415 - _wire imports this module

            problem = check_scalar(field.kind, text)
            if problem is not None:
                raise reader.fail(False, problem, path)
        return text

    def content(self, path: str) -> Any:
        """The internally tagged ``content``: the tag checked as met, the rest buffered."""
        reader = self.reader
        expecting = "internally tagged enum MessageContent"
        peek = reader.peek()
        if peek == ord("["):
            reader.index += 1
            first_path = _join(path, "[0]")
            for _ in reader.elements(path):
                first = reader.value(first_path)
                if not isinstance(first, str):
                    raise self.invalid(first, "variant identifier", first_path)
                if first not in self.schema.tag_variants:
                    message = f"unknown variant `{first}`, {one_of(self.schema.tag_variants)}"
                    raise reader.fail(False, message, first_path)
                break
            raise reader.fail(False, f"invalid type: sequence, expected {expecting}", path)
        if peek != ord("{"):
            raise self.invalid(reader.value(path), expecting, path)
        reader.index += 1
        buffered: Dict[str, Any] = {}
        duplicates: List[str] = []
        tag: Optional[str] = None
        for key in reader.entries(path):
            key_path = _join(path, key)
            if key == "type":
                if tag is not None:
                    raise reader.fail(False, "duplicate field `type`", path, reader.key_end)
                if reader.peek() != ord('"'):
                    value = reader.value(key_path)
                    raise reader.fail(
                        False,
                        f"invalid type: {_unexpected(value)}, expected variant identifier",
                        key_path,
                    )
                tag = reader.string(key_path)
                if tag not in self.schema.tag_variants:
                    message = f"unknown variant `{tag}`, {one_of(self.schema.tag_variants)}"
                    raise reader.fail(False, message, key_path)
                continue
            if key in buffered:
                duplicates.append(key)
            buffered[key] = reader.value(key_path)
        if tag is None:
            raise reader.fail(False, "missing field `type`", path)
        from ._wire import SchemaError, with_duplicates  # noqa: PLC0415

        assert self.schema.content is not None
        raw = with_duplicates({"type": tag, **buffered}, duplicates)
        try:
            self.schema.content(raw, "")
        except SchemaError as exc:
            raise reader.fail(False, exc.detail, path) from None
        return raw

    def read(self) -> Dict[str, Any]:
        reader = self.reader
        peek = reader.peek()
        expecting = f"struct {self.schema.name}"
        found: Dict[str, Any] = {}
        if peek == ord("{"):
            reader.index += 1
            known = {f.name: f for f in self.schema.fields}
            for key in reader.entries(""):
                field = known.get(key)
                if field is None:
                    reader.value(key, keep=False)
                    continue
                if key in found:
                    raise reader.fail(False, f"duplicate field `{key}`", "", reader.key_end)
                found[key] = self.field(field, key)
            for field in self.schema.fields:
                if field.name not in found and not field.optional:
                    raise reader.fail(False, f"missing field `{field.name}`", "")
            return found
        if peek == ord("["):
            reader.index += 1
            elements = reader.elements("")
            for index, field in enumerate(self.schema.fields):
                if next(elements, None) is None:
                    count = len(self.schema.fields)
                    message = f"invalid length {index}, expected {expecting} with {count} elements"
                    raise reader.fail(False, message, "")
                found[field.name] = self.field(field, f"[{index}]")
            peek = reader.peek()
            if peek == ord("]"):
                reader.index += 1
                return found
            if peek == ord(","):
                reader.index += 1
                if reader.peek() == ord("]"):
                    raise reader.peek_fail("trailing comma", "")
            raise reader.peek_fail("trailing characters", "")
        if peek is None:
            raise reader.peek_fail("EOF while parsing a value", "")
        if peek == ord('"') or peek == ord("-") or 0x30 <= peek <= 0x39 or peek in b"ntf":
            raise self.invalid(reader.value(""), expecting, "")
        raise reader.peek_fail("expected value", "")


def read_struct(raw: bytes, schema: Schema) -> Dict[str, Any]:
    """The fields of one request body (raises :class:`Failure` as the real server would)."""
    reader = _Reader(raw)
    found = _Struct(reader, schema).read()
    if reader.peek() is not None:
        raise reader.peek_fail("trailing characters", "")
    return found
