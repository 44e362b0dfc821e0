//! Errors of reading a journey log or a register: each names the file, the line and the field.

use std::fmt;

/// The most errors kept for one read; the rest are counted.
pub const MAX_ERRORS: usize = 200;

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    pub source: String,
    /// 1-based line number; `None` for a problem with the file as a whole.
    pub line: Option<u32>,
    pub field: Option<String>,
    pub message: String,
}

impl LogError {
    pub fn at(source: &str, line: u32, field: Option<&str>, message: String) -> Self {
        LogError {
            source: source.to_string(),
            line: Some(line),
            field: field.map(str::to_string),
            message,
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a read (up to [`MAX_ERRORS`], with a count of the rest).
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct LogErrors {
    pub errors: Vec<LogError>,
    /// Errors found beyond [`MAX_ERRORS`].
    pub more: usize,
    /// Where reading stopped early, having found [`MAX_ERRORS`] errors ("before line 5001 of
    /// events.jsonl"): the rest of the log was not read, so there may be more errors.
    pub stopped: Option<String>,
}

impl LogErrors {
    pub fn push(&mut self, e: LogError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.more == 0
    }

    pub fn len(&self) -> usize {
        self.errors.len() + self.more
    }

    pub fn io(source: &str, e: std::io::Error) -> Self {
        let mut errs = LogErrors::default();
        errs.push(LogError {
            source: source.to_string(),
            line: None,
            field: None,
            message: e.to_string(),
        });
        errs
    }

    pub fn extend(&mut self, other: LogErrors) {
        let more = other.more;
        for e in other.errors {
            self.push(e);
        }
        self.more += more;
        if self.stopped.is_none() {
            self.stopped = other.stopped;
        }
    }

    pub fn into_result<T>(self, value: T) -> Result<T, LogErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for LogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.more > 0 {
            write!(f, "\n... and {} more errors", self.more)?;
        }
        if let Some(at) = &self.stopped {
            write!(
                f,
                "\nreading stopped {at}, after {MAX_ERRORS} errors: the rest of the log was not checked"
            )?;
        }
        Ok(())
    }
}
