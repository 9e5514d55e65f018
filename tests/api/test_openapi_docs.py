"""The OpenAPI schema describes every route and validates; the docs page needs no CDN."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_the_schema_is_valid_openapi_and_covers_the_api(db, client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/claim-reviews/",
        "/api/v1/claim-reviews/{id}/",
        "/api/v1/claims/",
        "/api/v1/claims/{id}/",
        "/api/v1/sources/",
        "/api/v1/sources/{id}/",
        "/api/v1/flags/",
        "/api/v1/flags/{id}/",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    params = {p["name"] for p in schema["paths"]["/api/v1/claim-reviews/"]["get"]["parameters"]}
    assert {"rating", "claimant", "language", "tag", "q", "updated_since", "page"} <= params


def test_schema_generation_raises_no_warnings(capsys):
    SchemaGenerator().get_schema(request=None, public=True)
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "Error" not in captured.err, captured.err


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(db, client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/static/drf_spectacular_sidecar/" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
