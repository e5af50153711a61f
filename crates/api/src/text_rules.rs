//! The text rules request bodies share: no control or invisible characters (the domain's text
//! check), not blank, and a maximum length per kind of field; and how optional texts are trimmed.

use validator::ValidationError;

pub(crate) fn text_rule(value: &str, max: usize, multiline: bool) -> Result<(), ValidationError> {
    let fail = |code: &'static str, message: String| {
        let mut e = ValidationError::new(code);
        e.message = Some(message.into());
        Err(e)
    };
    if let Some(fault) = domain::text::text_fault(value, multiline) {
        return fail(fault.code(), fault.message().into());
    }
    if value.trim().is_empty() {
        return fail("required", "must not be empty".into());
    }
    if value.chars().count() > max {
        return fail("length", format!("must be at most {max} characters"));
    }
    Ok(())
}

pub(crate) fn short_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 100, false)
}

pub(crate) fn title_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 300, false)
}

pub(crate) fn long_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 10_000, true)
}

pub(crate) fn period_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 200, false)
}

pub(crate) fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}
