"""Schemathesis hooks for tests/contract/run.sh (loaded through SCHEMATHESIS_HOOKS).

The schema says what an Idempotency-Key looks like, not that it must be unused: a client sends a
fresh key per intended write, and reusing one for another request is answered 422
idempotency_key_reused, as the IETF draft asks. The generator draws tiny keys ("0", "!") again and
again, so well-formed keys it draws are made unique here, which is what a well-behaved client does.
Malformed keys (negative cases) pass through untouched, so their 400 is still checked. Replays and
reuse are covered by tests/api/idempotency.rs.
"""

import re
import uuid

import schemathesis

# The same pattern the OpenAPI document gives the header (crates/api/src/idempotency.rs).
WELL_FORMED_KEY = re.compile(r'(?:[!#-~][!-~]{0,254}|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")')


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # `before_call` sees every request of every phase; the `map_*` hooks miss the examples and
    # coverage phases.
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            key = headers[name]
            if isinstance(key, str) and WELL_FORMED_KEY.fullmatch(key):
                headers[name] = f'"{uuid.uuid4()}"'
                # A fresh key is as valid as the drawn one: keep the case's labels (which header
                # a negative case leaves out, say) instead of having schemathesis re-derive them
                # from the edited headers. A private method of the pinned 4.32.5.
                case._sync_validated_hashes()
