"""Schemathesis hooks for test/api/fuzz.test.ts.

Random ids almost never name a real record, so a fuzzed request would rarely reach another school's
data. These hooks give each generated id-like value (a path parameter, a query parameter or a JSON
body field named like `caseId`, `schoolId`, `pupilId`, ...) a chance to be swapped for an id that
exists: of the signed-in user's school and of the other school. The test then checks that no answer
to a user of school A carries school B's data.

FUZZ_KNOWN_IDS (set by the test) is a JSON object: parameter name -> list of real ids.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

KNOWN: dict[str, list[str]] = json.loads(os.environ.get("FUZZ_KNOWN_IDS", "{}"))


def _swapped(value: Any, key: str | None = None) -> st.SearchStrategy[Any]:
    """The generated value as it is, or (for a known name) one of the real ids."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _swapped(v, k) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_swapped(v) for v in value)).map(list)
    if key is not None and KNOWN.get(key):
        return st.one_of(st.just(value), st.sampled_from(KNOWN[key]))
    return st.just(value)


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _swapped(path_parameters)


@schemathesis.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _swapped(query)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _swapped(body)


# The demo import (administrators) seeds up to 3,000 pupils and, with `sweep`, opens a real case for
# every one with poor attendance: a load test on a two-core machine, not a fuzz. A valid number of
# pupils is brought down to 10-20 before the request is sent (in every phase, the coverage phase's
# boundary values too); invalid ones go as generated, to be refused.
DEMO_IMPORT = "/api/demo/import"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.operation.path != DEMO_IMPORT or not isinstance(case.body, dict):
        return
    pupils = case.body.get("pupils")
    if isinstance(pupils, int) and not isinstance(pupils, bool) and 10 <= pupils <= 3000:
        case.body = {**case.body, "pupils": 10 + pupils % 11}
