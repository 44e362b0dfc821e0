//! The API's contract as an OpenAPI 3.1 document, served at `/api/openapi.json`.

use axum::http::header;
use axum::response::IntoResponse;

pub const OPENAPI: &str = include_str!("../openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
