"""The execution engine: how a validated document becomes a result, and the limits that run
before any work. It imports graphql-core and strawberry only, never the domain.

Why it exists: graphql-core completes every field through a resolve-info object, a resolver
call and a chain of completion steps; for a 100-row page of plain attributes that was most of
the request (docs/performance.md). `executor.py` completes plain fields directly and hands
everything else, and every value that needs an error, to graphql-core's own path, so results
and errors stay the standard ones (`tests/test_executor.py` compares both on broken data).
`compiler.py` turns a sub-selection of plain fields into one generated function.

Why `exec` of generated code is safe: the only names in the generated source are the schema's
own Python attribute names (each checked to be an identifier and no keyword) and generated
local names; what the client wrote (response keys, that is aliases) and type names appear only
as string constants through `repr`, and argument values never at all. One function is compiled
per distinct selection and kept in a bounded LRU. `DANGJIAN_EXECUTOR=stock` runs strawberry's
stock executor instead (the same schema, without this package's executor).

It relies on graphql-core 3.3 internals (`collect_fields`, and `gather_with_cancel`, which
`engine/settled.py` replaces so that no sibling field is cancelled mid-statement) and strawberry's
converter types and the operation name a request gave (`engine/codes.py`), hence the bounds on
both in `pyproject.toml` and the lock file.
"""
