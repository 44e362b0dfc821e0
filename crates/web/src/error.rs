//! Errors of the service: a 4xx the user can act on, kept apart from a 5xx whose cause is
//! logged and never shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a request failed.
#[derive(Debug)]
pub enum AppError {
    /// The request is malformed: a field is missing, of the wrong type or out of range.
    BadRequest {
        field: Option<String>,
        message: String,
    },
    /// No valid session or token.
    Unauthorized,
    /// A sign-in with a wrong user name or password.
    SignInFailed,
    /// Signed in, but the role may not do this.
    Forbidden(String),
    NotFound,
    /// The user may not see this person: why, and whether they may break glass.
    Refused {
        message: String,
        break_glass: bool,
    },
    /// The form or state the request was based on is stale or taken.
    Conflict(String),
    /// Too many failed sign-ins; try again after this many seconds.
    TooManyAttempts(i64),
    /// The request's body is larger than the service accepts.
    TooLarge(String),
    /// Events that break the format or the log's rules: nothing was written.
    Unprocessable(Vec<live_log::LineError>),
    /// The store is busy with another writer (an import): nothing was written; try again.
    Busy,
    /// The server's fault: the cause goes to the log, the user sees a reference only.
    Internal(String),
}

/// How long a client is asked to wait when the store is busy, in seconds.
pub const BUSY_RETRY_SECS: u32 = 5;

impl AppError {
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        AppError::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::SignInFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Refused { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user is told.
    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest { message, .. } => message.clone(),
            AppError::Unauthorized => "sign in first: no valid session or token".into(),
            AppError::SignInFailed => "the user name or password is not right".into(),
            AppError::Forbidden(m) | AppError::Conflict(m) | AppError::TooLarge(m) => m.clone(),
            AppError::Refused { message, .. } => message.clone(),
            AppError::NotFound => "there is nothing at this address".into(),
            AppError::Busy => format!(
                "the store is busy with another writer (an import): nothing was written; try again in {BUSY_RETRY_SECS} seconds"
            ),
            AppError::TooManyAttempts(s) => {
                format!(
                    "too many failed sign-ins: try again in {} minutes",
                    (s + 59) / 60
                )
            }
            AppError::Unprocessable(e) => {
                format!(
                    "the events are not valid ({} errors); nothing was written",
                    e.len()
                )
            }
            AppError::Internal(_) => {
                "the service failed to answer; the cause has been logged".into()
            }
        }
    }

    /// Logs a server fault's cause (once, where the response is made).
    fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
    }

    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            AppError::TooManyAttempts(s) => HeaderValue::from_str(&(*s).max(1).to_string()).ok(),
            AppError::Busy => HeaderValue::from_str(&BUSY_RETRY_SECS.to_string()).ok(),
            _ => None,
        }
    }

    /// The JSON answer of the API.
    pub fn into_json(self) -> Response {
        self.log();
        let mut body = json!({ "error": self.message() });
        match &self {
            AppError::BadRequest { field: Some(f), .. } => body["field"] = json!(f),
            AppError::Refused { break_glass, .. } => body["break_glass"] = json!(break_glass),
            AppError::Unprocessable(errors) => {
                body["errors"] = errors
                    .iter()
                    .map(|e| json!({"line": e.line, "field": e.field, "message": e.message}))
                    .collect();
            }
            _ => {}
        }
        let mut r = (self.status(), axum::Json(body)).into_response();
        if let Some(v) = self.retry_after() {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.into_json()
    }
}

impl From<store::StoreError> for AppError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Conflict(m) => AppError::Conflict(m),
            store::StoreError::Busy(_) => AppError::Busy,
            e => AppError::Internal(e.to_string()),
        }
    }
}

/// A body that could not be read: too large (413), or cut short (400).
impl From<axum::extract::rejection::BytesRejection> for AppError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!(
                "the body is larger than the service accepts: {}",
                e.body_text()
            ))
        } else {
            AppError::BadRequest {
                field: None,
                message: e.body_text(),
            }
        }
    }
}

impl From<live_log::LiveError> for AppError {
    fn from(e: live_log::LiveError) -> Self {
        match e {
            live_log::LiveError::Store(e) => e.into(),
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl From<live_log::AppendError> for AppError {
    fn from(e: live_log::AppendError) -> Self {
        match e {
            live_log::AppendError::Invalid(errors) => AppError::Unprocessable(errors),
            live_log::AppendError::Refused(flow::record::Refused::Conflict(m)) => {
                AppError::Conflict(m)
            }
            live_log::AppendError::Refused(flow::record::Refused::Invalid { field, message }) => {
                AppError::bad(field, message)
            }
            live_log::AppendError::Live(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_store_is_a_503_with_retry_after_and_a_fault_a_500_without_its_cause() {
        let busy: AppError = live_log::AppendError::Live(live_log::LiveError::Store(
            store::StoreError::Busy(std::time::Duration::from_secs(60)),
        ))
        .into();
        let r = busy.into_json();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        let fault: AppError = store::StoreError::Corrupt("a secret cause".into()).into();
        assert_eq!(fault.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!fault.message().contains("secret"));
    }
}
