"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's decoder recurses once per level, so about a thousand levels of ``[`` (4 KB)
exhaust the interpreter's recursion limit; and a body that decodes can still be too deep
for the serializers that walk it. Nothing the API takes nests more than three levels, so a
body deeper than ``MAX_JSON_DEPTH`` is a 400 with its own code, whether the decoder gave
up or not. The size of the body is limited before it is read (``kernel.limits``).
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from kernel.limits import MAX_JSON_DEPTH


class TooDeep(ParseError):
    default_code = "too_deep"
    default_detail = (
        f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep; this API accepts "
        f"at most {MAX_JSON_DEPTH}."
    )


def nesting_depth(value, *, stop_after: int = MAX_JSON_DEPTH) -> int:
    """How many arrays and objects deep ``value`` goes; counting stops past ``stop_after``."""
    deepest = 0
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest > stop_after:
            break
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise TooDeep() from None
        if nesting_depth(data) > MAX_JSON_DEPTH:
            raise TooDeep()
        return data
