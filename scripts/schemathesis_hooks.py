"""Schemathesis hooks for scripts/schemathesis.sh (loaded with SCHEMATHESIS_HOOKS).

/openapi.json states every rule of every request value that a JSON Schema
can state (lengths, patterns, ranges, enums, nullability; see
crates/adapters-http/src/dto/rules.rs), so positive_data_acceptance and
negative_data_rejection run on everything. A few rules depend on the state
of the service or tie values together, which no schema can say; a request
that schemathesis generated as valid and that breaks only such a rule is
refused, and the check reports it. This hook forgives exactly those
refusals, recognised by the service's own answer (the status and the
fields its problem names with their messages), never anything else:

- 412 to a write whose If-Match names a version that is not current, to
  valid data and to invalid data alike: the precondition is evaluated
  before the body is read (RFC 9110 section 13.2.2), so a stale If-Match
  refuses an invalid body with a 412, not a 422 -- still a refusal;
- 422 naming `property_type` "must name an existing property type" (a
  slug of no type);
- 422 naming `birth_date` "must be today or earlier" (the schema states
  the lower bound, 1900-01-01; the upper one moves every day);
- 422 naming `current_password` (a new password needs the current one
  when users change their own, which depends on who asks);
- 422 naming `Idempotency-Key` (a key reused for another request);
- 400 naming only `cursor` (a cursor is the service's own opaque token,
  tied to the query it came from);
- 400 naming `min_rooms` or `min_area` "must not be greater than ..."
  (two parameters together);
- 400 naming `q` or `city` for the word count, a word's length or a
  city's length, which count the text once folded (transliterated), not
  as sent.

And two of the tool's own: schemathesis reads the service's 422 messages
and may infer that a property is required ("current_password is required
to change the password"); a request leaving out a property that the
document does not require is not invalid, so its acceptance is no failure.
And its coverage phase has sent, as valid data, a body that is not even of
the document's type (`0` to POST /property-types, whose body is an object):
its refusal is right, so it is no failure either.
"""

import json

import schemathesis

# (status, field, a part of the message or None for any) that only the
# state of the service, or several values together, can decide.
_STATEFUL_REFUSALS = {
    422: [
        ("property_type", "exist"),
        ("birth_date", "today or earlier"),
        ("current_password", None),
        ("Idempotency-Key", None),
    ],
    400: [
        ("cursor", None),
        ("min_rooms", "must not be greater than"),
        ("min_area", "must not be greater than"),
        ("q", "words"),
        ("city", "at most"),
    ],
}


def _problem_fields(response):
    try:
        problem = json.loads(response.content)
    except (ValueError, TypeError):
        return None
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    return [(error.get("field"), error.get("message") or "") for error in errors if isinstance(error, dict)]


def _only_stateful(status, fields):
    allowed = _STATEFUL_REFUSALS.get(status, [])

    def forgiven(field, message):
        return any(field == name and (part is None or part in message) for name, part in allowed)

    return bool(fields) and all(forgiven(field, message) for field, message in fields)


def _documented_body(case):
    document = case.operation.schema.raw_schema
    operation = document["paths"][case.operation.path][case.method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _omits_only_an_optional_property(case):
    """Whether a negative case only leaves out a property the document does not require."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    scenario = getattr(getattr(data, "scenario", None), "value", None)
    if scenario != "object_missing_required_property":
        return False
    name = (data.description or "").rsplit(":", 1)[-1].strip()
    try:
        body = _documented_body(case)
    except (KeyError, TypeError, AttributeError):
        return False
    return bool(name) and name in body.get("properties", {}) and name not in body.get("required", [])


def _body_breaks_the_documented_type(case):
    """Whether the body sent is not of the type the document gives it (an object sent as `0`)."""
    try:
        documented = _documented_body(case).get("type")
    except (KeyError, TypeError, AttributeError):
        return False
    kinds = {"object": dict, "array": list, "string": str}
    return documented in kinds and not isinstance(case.body, kinds[documented])


def _sends_if_match(case):
    return "if-match" in {name.lower() for name in (case.headers or {})}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a refusal of valid data for a stateful rule."""
    if type(failure).__name__ == "AcceptedNegativeData":
        if response is not None and response.status_code == 412 and _sends_if_match(case):
            return False
        return not _omits_only_an_optional_property(case)
    if type(failure).__name__ != "RejectedPositiveData" or response is None:
        return True
    if _body_breaks_the_documented_type(case):
        return False
    status = response.status_code
    if status == 412:
        # A precondition on the current version: only If-Match leads there.
        return not _sends_if_match(case)
    fields = _problem_fields(response)
    if fields is None:
        return True
    return not _only_stateful(status, fields)
