"""The interactive API docs at /docs, with Swagger UI served from this package.

assets/ holds swagger-ui-dist 5.35.0 from the npm registry, unchanged (Apache-2.0: LICENSE and
NOTICE beside it), so /docs works with no internet and loads nothing from another site.
"""
