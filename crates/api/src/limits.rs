//! The limits the validators enforce, written into the OpenAPI document by asking the validators
//! themselves: for every field of every request body and every query parameter, the DTO's own
//! `validator` rules are probed (longest accepted text, smallest and largest accepted number, most
//! items, whether control characters, line breaks or blank text pass) and the answers become
//! `maxLength`, `minimum`, `maximum`, `maxItems` and `pattern`. The document therefore cannot
//! promise more or less than the server accepts, and a new rule shows up in it without a second
//! annotation. Vocabularies a probe cannot guess (sort keys) are named once and used by both.

use crate::error::{ApiError, FieldLocation};
use crate::extract::{Paging, validate};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};
use validator::Validate;

/// What a validator said about one probe: the JSON pointers of the fields it refused, or that the
/// value could not even be read as the DTO.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Unreadable,
    Refused(BTreeSet<String>),
}

impl Verdict {
    fn accepts(&self, pointer: &str) -> Option<bool> {
        match self {
            Verdict::Unreadable => None,
            Verdict::Refused(pointers) => Some(!pointers.contains(pointer)),
        }
    }
}

type Judge = Box<dyn Fn(&Value) -> Verdict + Send + Sync>;

fn refused(result: Result<(), ApiError>) -> Verdict {
    Verdict::Refused(match result {
        Ok(()) => BTreeSet::new(),
        Err(error) => error.errors.into_iter().map(|e| e.pointer).collect(),
    })
}

/// A request body as its handler's extractor reads it: serde, then the DTO's rules.
fn body<T: DeserializeOwned + Validate>() -> Judge {
    Box::new(|value| match serde_json::from_value::<T>(value.clone()) {
        Ok(dto) => refused(validate(&dto, FieldLocation::Body)),
        Err(_) => Verdict::Unreadable,
    })
}

/// A query string as list handlers read it: the query type's rules, then the shared paging.
fn query<T: DeserializeOwned + Validate + 'static>() -> Judge {
    query_with::<T>(|dto| validate(dto, FieldLocation::Query))
}

/// A query type without rules of its own: only what serde reads.
fn plain_query<T: DeserializeOwned + 'static>() -> Judge {
    query_with::<T>(|_| Ok(()))
}

fn query_with<T: DeserializeOwned + 'static>(rules: fn(&T) -> Result<(), ApiError>) -> Judge {
    Box::new(move |value| {
        let Some(pairs) = value.as_object() else {
            return Verdict::Unreadable;
        };
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect();
        let Ok(encoded) = serde_urlencoded::to_string(&pairs) else {
            return Verdict::Unreadable;
        };
        let (Ok(dto), Ok(paging)) = (
            serde_urlencoded::from_str::<T>(&encoded),
            serde_urlencoded::from_str::<Paging>(&encoded),
        ) else {
            return Verdict::Unreadable;
        };
        let mut refusals = BTreeSet::new();
        for verdict in [refused(rules(&dto)), refused(paging.request().map(|_| ()))] {
            if let Verdict::Refused(pointers) = verdict {
                refusals.extend(pointers);
            }
        }
        Verdict::Refused(refusals)
    })
}

/// The request bodies, by component name, each with the rules its extractor applies.
fn bodies() -> Vec<(&'static str, Judge)> {
    use crate::{admin, auth, ledger, links, organization, policies, proposals, reforms};
    vec![
        (
            "AssignmentIn",
            body::<proposals::assignments::AssignmentIn>(),
        ),
        ("BureauIn", body::<organization::BureauIn>()),
        ("BureauPatchIn", body::<organization::BureauPatchIn>()),
        (
            "ClientCredentialsIn",
            body::<auth::handlers::ClientCredentialsIn>(),
        ),
        (
            "ConsultationIn",
            body::<proposals::consultations::ConsultationIn>(),
        ),
        ("CheckInIn", body::<policies::check_in::CheckInIn>()),
        ("DigitalSystemIn", body::<ledger::DigitalSystemIn>()),
        ("KpiActualIn", body::<policies::kpi::KpiActualIn>()),
        ("KpiIn", body::<policies::kpi::KpiIn>()),
        ("LinkIn", body::<links::LinkIn>()),
        ("LoginIn", body::<auth::handlers::LoginIn>()),
        ("MilestoneIn", body::<policies::milestone::MilestoneIn>()),
        ("PolicyIn", body::<policies::policy::PolicyIn>()),
        (
            "PreferencesIn",
            body::<crate::notifications::PreferencesIn>(),
        ),
        ("PolicyIssueIn", body::<policies::issue::PolicyIssueIn>()),
        ("ProgressNoteIn", body::<policies::note::ProgressNoteIn>()),
        ("ProjectTeamIn", body::<proposals::teams::ProjectTeamIn>()),
        ("ProposalIn", body::<proposals::records::ProposalIn>()),
        ("ReformIn", body::<reforms::ReformIn>()),
        ("SectionIn", body::<organization::SectionIn>()),
        ("SectionRenameIn", body::<organization::SectionRenameIn>()),
        ("TargetIn", body::<ledger::TargetIn>()),
        ("TargetMeasurementIn", body::<ledger::TargetMeasurementIn>()),
        (
            "TransitionIn",
            body::<proposals::assignments::TransitionIn>(),
        ),
        ("UserIn", body::<admin::UserIn>()),
        ("WebhookIn", body::<crate::webhooks::WebhookIn>()),
        ("RoundIn", body::<crate::rounds::RoundIn>()),
        ("ReopenIn", body::<crate::rounds::ReopenIn>()),
        ("ReturnIn", body::<crate::rounds::ReturnIn>()),
        ("AnswerIn", body::<crate::rounds::AnswerIn>()),
        ("RotateSecretIn", body::<crate::webhooks::RotateSecretIn>()),
    ]
}

/// The query types, by operation (`GET` only), each with the rules its handler applies.
fn queries() -> Vec<(&'static str, Judge)> {
    use crate::{
        admin, annual_report, dashboard, ledger, links, organization, policies, proposals, reforms,
        search, wareki,
    };
    vec![
        ("/api/v1/users", query::<admin::UserQuery>()),
        (
            "/api/v1/admin/sent-mail",
            query::<crate::mail::sent::SentMailQuery>(),
        ),
        ("/api/v1/audit-events", query::<admin::AuditQuery>()),
        (
            "/api/v1/admin/webhooks",
            query::<crate::webhooks::WebhookQuery>(),
        ),
        (
            "/api/v1/admin/webhooks/{id}/deliveries",
            query::<crate::webhooks::WebhookQuery>(),
        ),
        ("/api/v1/audit-events/export", query::<admin::AuditQuery>()),
        (
            "/api/v1/admin/jobs",
            query::<crate::jobs::admin::JobQuery>(),
        ),
        (
            "/api/v1/reports/annual",
            query::<annual_report::AnnualReportQuery>(),
        ),
        ("/api/v1/dashboard", query::<dashboard::DashboardQuery>()),
        (
            "/api/v1/bureaus/{id}/dashboard",
            query::<dashboard::DashboardQuery>(),
        ),
        ("/api/v1/milestones", query::<dashboard::MilestoneQuery>()),
        (
            "/api/v1/me/notifications",
            query::<crate::notifications::NotificationQuery>(),
        ),
        (
            "/api/v1/imports",
            plain_query::<crate::tabular::import::ImportQuery>(),
        ),
        (
            "/api/v1/round-requests/{id}/workbook",
            plain_query::<crate::round_workbook::WorkbookQuery>(),
        ),
        (
            "/api/v1/digital-systems",
            query::<ledger::DigitalSystemQuery>(),
        ),
        (
            "/api/v1/digital-systems/export",
            query::<ledger::DigitalSystemQuery>(),
        ),
        ("/api/v1/links", plain_query::<links::LinkQuery>()),
        ("/api/v1/sections", query::<organization::SectionQuery>()),
        (
            "/api/v1/sections/{id}",
            plain_query::<organization::AsOfQuery>(),
        ),
        ("/api/v1/policies", query::<policies::policy::PolicyQuery>()),
        (
            "/api/v1/policies/export",
            query::<policies::policy::PolicyQuery>(),
        ),
        (
            "/api/v1/policy-issues",
            query::<policies::issue::PolicyIssueQuery>(),
        ),
        (
            "/api/v1/policy-issues/export",
            query::<policies::issue::PolicyIssueQuery>(),
        ),
        (
            "/api/v1/kpis/export",
            query::<policies::issue::PolicyIssueQuery>(),
        ),
        (
            "/api/v1/proposals",
            query::<proposals::records::ProposalQuery>(),
        ),
        (
            "/api/v1/proposals/export",
            query::<proposals::records::ProposalQuery>(),
        ),
        (
            "/api/v1/reports/proposal-progress",
            query::<proposals::progress::ProgressQuery>(),
        ),
        ("/api/v1/reforms", query::<reforms::ReformQuery>()),
        ("/api/v1/reforms/export", query::<reforms::ReformQuery>()),
        (
            "/api/v1/bureaus/{id}/reforms",
            query::<reforms::ReformQuery>(),
        ),
        ("/api/v1/search", query::<search::SearchQuery>()),
        ("/api/v1/rounds", query::<crate::rounds::RoundQuery>()),
        (
            "/api/v1/rounds/{id}/requests",
            query::<crate::rounds::RequestQuery>(),
        ),
        (
            "/api/v1/me/round-requests",
            query::<crate::rounds::InboxQuery>(),
        ),
        (
            "/api/v1/rounds/compliance-trend",
            query::<crate::compliance::TrendQuery>(),
        ),
        (
            "/api/v1/rounds/{id}/report",
            query::<crate::round_report::ReportQuery>(),
        ),
        (
            "/api/v1/rounds/{id}/report.csv",
            query::<crate::round_report::ExportQuery>(),
        ),
        (
            "/api/v1/rounds/{id}/report.xlsx",
            query::<crate::round_report::ExportQuery>(),
        ),
        ("/api/v1/wareki/parse", query::<wareki::ParseQuery>()),
    ]
}

/// Query parameters whose values come from a fixed vocabulary the validator checks by name.
fn vocabularies() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let with_descending = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .flat_map(|n| [(*n).to_owned(), format!("-{n}")])
            .collect()
    };
    let proposals = with_descending(crate::proposals::records::PROPOSAL_SORT_KEYS);
    let reforms = with_descending(crate::reforms::REFORM_SORT_KEYS);
    let systems = with_descending(crate::ledger::SYSTEM_SORT_KEYS);
    let scopes: Vec<String> = crate::proposals::records::PROPOSAL_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let words = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    vec![
        (
            "/api/v1/reports/annual",
            "format",
            words(crate::annual_report::REPORT_FORMATS),
        ),
        (
            "/api/v1/reports/proposal-progress",
            "format",
            words(crate::proposals::progress::PROGRESS_FORMATS),
        ),
        ("/api/v1/proposals", "sort", proposals.clone()),
        ("/api/v1/proposals/export", "sort", proposals),
        ("/api/v1/proposals", "scope", scopes.clone()),
        ("/api/v1/proposals/export", "scope", scopes),
        ("/api/v1/reforms", "sort", reforms.clone()),
        ("/api/v1/reforms/export", "sort", reforms.clone()),
        ("/api/v1/bureaus/{id}/reforms", "sort", reforms),
        ("/api/v1/digital-systems", "sort", systems.clone()),
        ("/api/v1/digital-systems/export", "sort", systems),
        (
            "/api/v1/admin/jobs",
            "state",
            words(crate::jobs::admin::JOB_STATES),
        ),
        (
            "/api/v1/rounds",
            "state",
            words(crate::rounds::ROUND_STATES),
        ),
        (
            "/api/v1/rounds/{id}/requests",
            "owner_kind",
            words(&["section", "bureau"]),
        ),
    ]
}

/// Texts of a fixed shape, which a probe cannot guess: where they are (a body component and
/// property, or a query path and parameter) and the pattern their validator accepts. The test
/// `every_documented_shape_is_what_its_validator_accepts` holds each pattern to its validator.
fn shapes() -> Vec<(Place, &'static str)> {
    const MONTH: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";
    const REQUEST_STATES: &str = "^(unanswered|in_progress|answered|returned|accepted)(,(unanswered|in_progress|answered|returned|accepted))*$";
    vec![
        (
            Place::Query("/api/v1/rounds/{id}/requests", "state"),
            REQUEST_STATES,
        ),
        (Place::Body("TargetIn", "code"), "^[a-z0-9_-]{1,50}$"),
        (
            Place::Query("/api/v1/admin/jobs", "kind"),
            "^[A-Za-z0-9._:-]{1,100}$",
        ),
        (Place::Query("/api/v1/reforms", "started_in"), MONTH),
        (Place::Query("/api/v1/reforms/export", "started_in"), MONTH),
        (
            Place::Query("/api/v1/bureaus/{id}/reforms", "started_in"),
            MONTH,
        ),
    ]
}

/// The one value some body fields take.
fn constants() -> Vec<(&'static str, &'static str, Value)> {
    vec![(
        "ClientCredentialsIn",
        "grant_type",
        json!(crate::auth::handlers::CLIENT_CREDENTIALS),
    )]
}

#[derive(Debug, Clone, Copy)]
enum Place {
    Body(&'static str, &'static str),
    Query(&'static str, &'static str),
}

// ---------------------------------------------------------------------------------------------
// Probing

/// Characters tried as the filler of a text, in order: most fields take any of them.
const FILLERS: [&str; 3] = ["あ", "a", "1"];
/// Longer than any text a field accepts; a field that takes this has no documented length.
const UNBOUNDED_TEXT: usize = 1 << 15;
/// Texts that must be this long or longer to pass (passwords) are found by trying each length.
const SHORTEST_TRIED: usize = 64;
const UNBOUNDED_ITEMS: usize = 1 << 12;

/// What a probe found out about one text field.
#[derive(Debug, Default, PartialEq, Eq)]
struct TextLimits {
    max_length: Option<usize>,
    min_length: Option<usize>,
    pattern: Option<String>,
}

/// Asks `accepts` about texts and derives the limits it enforces. `None` when no plain text is
/// accepted at all (a field with a format of its own, such as an e-mail address).
fn probe_text(accepts: &dyn Fn(&str) -> Option<bool>) -> Option<TextLimits> {
    let (filler, shortest) = FILLERS
        .iter()
        .flat_map(|f| (1..=SHORTEST_TRIED).map(move |n| (*f, n)))
        .find(|(f, n)| accepts(&f.repeat(*n)) == Some(true))?;
    let fits = |n: usize| accepts(&filler.repeat(n)) == Some(true);
    let max_length = (!fits(UNBOUNDED_TEXT)).then(|| {
        let (mut lo, mut hi) = (shortest, UNBOUNDED_TEXT);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) { lo = mid } else { hi = mid }
        }
        lo
    });
    // Each probe has the shortest accepted length, so only the character under test can fail it.
    let with_tail = |tail: &str| {
        let room = shortest.saturating_sub(tail.chars().count()).max(1);
        format!("{}{tail}", filler.repeat(room))
    };
    let refuses_blank = accepts(&" ".repeat(shortest)) == Some(false);
    let refuses_empty = shortest > 1 || accepts("") == Some(false);
    let refuses_controls = accepts(&with_tail("\u{1}")) == Some(false);
    let refuses_invisible = accepts(&with_tail("\u{200B}")) == Some(false);
    let takes_line_breaks = accepts(&with_tail("\n\r\t")) == Some(true);
    let pattern = (refuses_blank || refuses_controls).then(|| {
        text_pattern(
            refuses_controls,
            takes_line_breaks,
            refuses_blank,
            refuses_invisible,
        )
    });
    let min_length = if shortest > 1 {
        Some(shortest)
    } else {
        (refuses_empty && !refuses_blank).then_some(1)
    };
    Some(TextLimits {
        max_length,
        min_length,
        pattern,
    })
}

/// `domain::text::text_pattern`, worked out once per combination: it walks every code point.
fn text_pattern(
    forbid_controls: bool,
    allow_line_breaks: bool,
    forbid_blank: bool,
    forbid_invisible: bool,
) -> String {
    type Patterns = Mutex<HashMap<(bool, bool, bool, bool), String>>;
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    let key = (
        forbid_controls,
        allow_line_breaks,
        forbid_blank,
        forbid_invisible,
    );
    let cache = PATTERNS.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(key)
        .or_insert_with(|| {
            domain::text::text_pattern(
                forbid_controls,
                allow_line_breaks,
                forbid_blank,
                forbid_invisible,
            )
        })
        .clone()
}

/// The smallest and largest integer `accepts` takes, searched over the 64-bit range.
fn probe_integer(accepts: &dyn Fn(i64) -> Option<bool>) -> (Option<i64>, Option<i64>) {
    let Some(inside) = [1, 0, 2025, 100, -1]
        .into_iter()
        .find(|v| accepts(*v) == Some(true))
    else {
        return (None, None);
    };
    let edge = |outward: i64| -> Option<i64> {
        if accepts(outward) == Some(true) {
            return None;
        }
        let (mut good, mut bad) = (inside as i128, outward as i128);
        while (bad - good).abs() > 1 {
            let mid = good + (bad - good) / 2;
            if accepts(mid as i64) == Some(true) {
                good = mid
            } else {
                bad = mid
            }
        }
        Some(good as i64)
    };
    (edge(i64::MIN), edge(i64::MAX))
}

/// The largest number `accepts` takes (and the smallest), to the last representable digit.
fn probe_number(accepts: &dyn Fn(f64) -> Option<bool>) -> (Option<f64>, Option<f64>) {
    if accepts(0.0) != Some(true) {
        return (None, None);
    }
    let edge = |sign: f64| -> Option<f64> {
        if accepts(sign * f64::MAX) == Some(true) {
            return None;
        }
        // Bisect on the bit patterns of non-negative doubles, which are ordered like the values.
        let (mut good, mut bad) = (0u64, f64::MAX.to_bits());
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if accepts(sign * f64::from_bits(mid)) == Some(true) {
                good = mid
            } else {
                bad = mid
            }
        }
        Some(sign * f64::from_bits(good))
    };
    (edge(-1.0), edge(1.0))
}

fn probe_items(accepts: &dyn Fn(usize) -> Option<bool>) -> (Option<usize>, Option<usize>) {
    if accepts(1) != Some(true) {
        return (None, None);
    }
    let min = (accepts(0) == Some(false)).then_some(1);
    let max = (accepts(UNBOUNDED_ITEMS) != Some(true)).then(|| {
        let (mut lo, mut hi) = (1, UNBOUNDED_ITEMS);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if accepts(mid) == Some(true) {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    });
    (min, max)
}

// ---------------------------------------------------------------------------------------------
// Schemas

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| doc["components"]["schemas"].get(name))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A value the schema admits, as plain as possible, to stand in for the fields not under probe.
fn stand_in(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let concrete = options.iter().find(|o| types_of(o) != ["null"]);
            return concrete.map_or(Value::Null, |o| stand_in(doc, o, depth));
        }
    }
    let types = types_of(schema);
    let plain = types
        .iter()
        .find(|t| **t != "null")
        .copied()
        .unwrap_or("null");
    match (plain, schema["format"].as_str()) {
        ("string", Some("date")) => json!("2025-04-01"),
        ("string", Some("date-time")) => json!("2025-04-01T00:00:00Z"),
        ("string", _) => json!("あ"),
        ("integer", _) => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        ("number", _) => json!(1),
        ("boolean", _) => json!(false),
        ("array", _) if depth < 3 => json!([stand_in(doc, &schema["items"], depth + 1)]),
        ("array", _) => json!([]),
        ("object", _) if depth < 3 => {
            let mut object = Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    object.insert(name.clone(), stand_in(doc, property, depth + 1));
                }
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

/// Sets the value at a JSON pointer whose every step exists.
fn with_value_at(base: &Value, pointer: &str, value: Value) -> Value {
    let mut copy = base.clone();
    if let Some(slot) = copy.pointer_mut(pointer) {
        *slot = value;
    }
    copy
}

/// The limits of one field, found by probing `judge` at `pointer` in `base`. Query parameters
/// (`on_the_wire`) are probed as the text a client sends.
fn field_limits(
    judge: &Judge,
    base: &Value,
    pointer: &str,
    schema: &Value,
    on_the_wire: bool,
) -> Map<String, Value> {
    let mut found = Map::new();
    let ask = |value: Value| judge(&with_value_at(base, pointer, value)).accepts(pointer);
    let number = |n: Value| if on_the_wire { json!(n.to_string()) } else { n };
    let types = types_of(schema);
    let has_format = schema["format"].is_string() && types.contains(&"string");
    if schema.get("enum").is_some() || schema.get("$ref").is_some() || has_format {
        return found;
    }
    if types.contains(&"string") {
        if let Some(limits) = probe_text(&|s| ask(json!(s))) {
            if let Some(max) = limits.max_length {
                found.insert("maxLength".into(), json!(max));
            }
            if let Some(min) = limits.min_length {
                found.insert("minLength".into(), json!(min));
            }
            if let Some(pattern) = limits.pattern {
                found.insert("pattern".into(), json!(pattern));
            }
        }
    } else if types.contains(&"integer") {
        let (min, max) = probe_integer(&|n| ask(number(json!(n))));
        if let Some(min) = min {
            found.insert("minimum".into(), json!(min));
        }
        if let Some(max) = max {
            found.insert("maximum".into(), json!(max));
        }
    } else if types.contains(&"number") {
        let (min, max) = probe_number(&|n| ask(number(json!(n))));
        if let Some(min) = min {
            found.insert("minimum".into(), json!(min));
        }
        if let Some(max) = max {
            found.insert("maximum".into(), json!(max));
        }
    } else if types.contains(&"array") && !on_the_wire {
        let item = base
            .pointer(pointer)
            .and_then(|v| v.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        let (min, max) = probe_items(&|n| ask(Value::Array(vec![item.clone(); n])));
        if let Some(min) = min {
            found.insert("minItems".into(), json!(min));
        }
        if let Some(max) = max {
            found.insert("maxItems".into(), json!(max));
        }
    }
    found
}

/// Writes the limits found into a property schema, keeping its other keywords.
fn apply(schema: &mut Value, limits: Map<String, Value>) {
    if let Some(object) = schema.as_object_mut() {
        for (key, value) in limits {
            match (object.get_mut(&key), value) {
                (Some(Value::Object(inner)), Value::Object(more)) => inner.extend(more),
                (_, value) => {
                    object.insert(key, value);
                }
            }
        }
    }
}

/// Probes every property of a body schema (and of the objects in its arrays), depth first.
fn limit_body(doc: &mut Value, name: &str, judge: &Judge) {
    let root = json!({ "$ref": format!("#/components/schemas/{name}") });
    let base = stand_in(doc, &root, 0);
    let mut found: Vec<(String, String, Map<String, Value>)> = Vec::new();
    collect_body(doc, name, "", &base, judge, &mut found);
    for (component, property, limits) in found {
        if let Some(schema) =
            doc["components"]["schemas"][&component]["properties"].get_mut(&property)
        {
            apply(schema, limits);
        }
    }
}

fn collect_body(
    doc: &Value,
    component: &str,
    prefix: &str,
    base: &Value,
    judge: &Judge,
    found: &mut Vec<(String, String, Map<String, Value>)>,
) {
    let Some(properties) = doc["components"]["schemas"][component]["properties"].as_object() else {
        return;
    };
    for (name, schema) in properties {
        let pointer = format!("{prefix}/{}", name.replace('~', "~0").replace('/', "~1"));
        if base.pointer(&pointer).is_none() {
            continue;
        }
        found.push((
            component.to_owned(),
            name.clone(),
            field_limits(judge, base, &pointer, schema, false),
        ));
        if types_of(&schema["items"]).contains(&"string") {
            let item = field_limits(
                judge,
                base,
                &format!("{pointer}/0"),
                &schema["items"],
                false,
            );
            if !item.is_empty() {
                let mut items = Map::new();
                items.insert("items".into(), Value::Object(item));
                found.push((component.to_owned(), name.clone(), items));
            }
        }
        let nested = schema["items"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        if let Some(inner) = nested {
            collect_body(doc, inner, &format!("{pointer}/0"), base, judge, found);
        }
    }
}

/// Probes each query parameter of the operations at `path` alone, as a client would send it.
fn limit_query(doc: &mut Value, path: &str, judge: &Judge) {
    let Some(item) = doc["paths"][path].as_object() else {
        return;
    };
    let mut found = Vec::new();
    for (method, operation) in item {
        let parameters: Vec<&Value> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .collect();
        let required = required_query(doc, &parameters);
        for (index, parameter) in operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if parameter["in"] != "query" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap_or_default();
            let mut base = required.clone();
            base.insert(name.to_owned(), stand_in_query(doc, &parameter["schema"]));
            let base = Value::Object(base);
            let pointer = format!("/{name}");
            let limits = field_limits(judge, &base, &pointer, &parameter["schema"], true);
            found.push((method.clone(), index, limits));
        }
    }
    for (method, index, limits) in found {
        apply(
            &mut doc["paths"][path][&method]["parameters"][index]["schema"],
            limits,
        );
    }
}

/// The parameters an operation cannot do without, to stand in while another one is probed.
fn required_query(doc: &Value, parameters: &[&Value]) -> Map<String, Value> {
    let mut required = Map::new();
    for parameter in parameters
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
    {
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        required.insert(name, stand_in_query(doc, &parameter["schema"]));
    }
    required
}

fn stand_in_query(doc: &Value, schema: &Value) -> Value {
    match stand_in(doc, schema, 0) {
        Value::String(s) => Value::String(s),
        other => Value::String(other.to_string()),
    }
}

/// Writes every limit the validators enforce into the document.
pub fn document_limits(doc: &mut Value) {
    for (name, judge) in bodies() {
        limit_body(doc, name, &judge);
    }
    for (path, judge) in queries() {
        limit_query(doc, path, &judge);
    }
    for (place, pattern) in shapes() {
        let schema = match place {
            Place::Body(component, property) => {
                doc["components"]["schemas"][component]["properties"].get_mut(property)
            }
            Place::Query(path, name) => doc["paths"][path]
                .as_object_mut()
                .and_then(|item| item.get_mut("get"))
                .and_then(|operation| operation.get_mut("parameters"))
                .and_then(Value::as_array_mut)
                .and_then(|ps| ps.iter_mut().find(|p| p["name"] == name))
                .and_then(|p| p.get_mut("schema")),
        };
        if let Some(object) = schema.and_then(Value::as_object_mut) {
            object.insert("pattern".into(), json!(pattern));
        }
    }
    for (component, property, value) in constants() {
        if let Some(object) = doc["components"]["schemas"][component]["properties"]
            .get_mut(property)
            .and_then(Value::as_object_mut)
        {
            object.insert("enum".into(), json!([value]));
        }
    }
    for (place, pattern) in shapes() {
        let schema = match place {
            Place::Body(component, property) => {
                doc["components"]["schemas"][component]["properties"].get_mut(property)
            }
            Place::Query(path, name) => doc["paths"][path]
                .as_object_mut()
                .and_then(|item| item.get_mut("get"))
                .and_then(|operation| operation.get_mut("parameters"))
                .and_then(Value::as_array_mut)
                .and_then(|ps| ps.iter_mut().find(|p| p["name"] == name))
                .and_then(|p| p.get_mut("schema")),
        };
        if let Some(object) = schema.and_then(Value::as_object_mut) {
            object.insert("pattern".into(), json!(pattern));
        }
    }
    for (component, property, value) in constants() {
        if let Some(object) = doc["components"]["schemas"][component]["properties"]
            .get_mut(property)
            .and_then(Value::as_object_mut)
        {
            object.insert("enum".into(), json!([value]));
        }
    }
    for (path, name, values) in vocabularies() {
        if let Some(parameters) = doc["paths"][path]["get"]["parameters"].as_array_mut() {
            for parameter in parameters.iter_mut().filter(|p| p["name"] == name) {
                parameter["schema"] = json!({ "type": "string", "enum": values });
            }
        }
    }
}

/// The request bodies and query operations the probes cover, for the test that every documented
/// one is covered.
pub fn covered() -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    (
        bodies().into_iter().map(|(name, _)| name).collect(),
        queries().into_iter().map(|(path, _)| path).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_rule_is_found_from_its_answers_alone() {
        let rule = |s: &str| {
            Some(
                s.chars().count() <= 300
                    && !s.trim().is_empty()
                    && !domain::text::has_forbidden_control(s, false),
            )
        };
        let limits = probe_text(&rule).unwrap_or_default();
        assert_eq!(limits.max_length, Some(300));
        assert_eq!(limits.min_length, None);
        assert_eq!(
            limits.pattern,
            Some(domain::text::text_pattern(true, false, true, false))
        );
        let free = probe_text(&|s| Some(s.chars().count() <= 20)).unwrap_or_default();
        assert_eq!(
            free,
            TextLimits {
                max_length: Some(20),
                min_length: None,
                pattern: None
            }
        );
        let password = |s: &str| {
            let n = s.chars().count();
            Some((12..=1024).contains(&n) && !domain::text::has_forbidden_control(s, false))
        };
        let limits = probe_text(&password).unwrap_or_default();
        assert_eq!(limits.min_length, Some(12));
        assert_eq!(limits.max_length, Some(1024));
        assert_eq!(
            limits.pattern,
            Some(domain::text::text_pattern(true, false, false, false))
        );
    }

    #[test]
    fn the_documented_text_pattern_matches_exactly_what_the_text_rules_accept() {
        for multiline in [false, true] {
            let source = domain::text::text_pattern(true, multiline, true, true);
            let pattern = regex::Regex::new(&source).unwrap_or_else(|e| panic!("{e}"));
            for text in [
                "課題",
                " 課題 ",
                "",
                " ",
                "\u{3000}",
                "a\u{0}",
                "a\nb",
                "\n",
                "a\u{85}",
                "a\u{7f}",
                "\u{feff}",
                "\u{200b}",
                "x\ty",
                "-]^\\",
                "\u{1F600}",
            ] {
                let rule =
                    domain::text::text_fault(text, multiline).is_none() && !text.trim().is_empty();
                assert_eq!(
                    pattern.is_match(text),
                    rule,
                    "{text:?}, multiline {multiline}"
                );
            }
        }
    }

    #[test]
    fn every_documented_sort_key_and_scope_is_accepted_and_nothing_else() {
        let judges = queries();
        let doc = crate::openapi::document();
        for (path, name, values) in vocabularies() {
            let judge = &judges
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap_or_else(|| panic!("{path}"))
                .1;
            let pointer = format!("/{name}");
            let parameters: Vec<&Value> = doc["paths"][path]["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .collect();
            for value in values.iter().map(String::as_str).chain(["unknown"]) {
                let mut query = required_query(&doc, &parameters);
                query.insert(name.to_owned(), json!(value));
                let verdict = judge(&Value::Object(query)).accepts(&pointer);
                assert_eq!(verdict, Some(value != "unknown"), "{path} {name}={value}");
            }
        }
    }

    #[test]
    fn every_documented_shape_is_what_its_validator_accepts() {
        let samples = [
            "2025-04",
            "2025-13",
            "2025-00",
            "2025-4",
            "+202-04",
            "２０２５-04",
            "0000-01",
            "abcd-ef",
            "",
            "annual-hours-saved",
            "a",
            "A",
            "a b",
            "a_b-9",
            "あ",
            "-",
        ];
        let long = ["x".repeat(50), "x".repeat(51)];
        let bodies = bodies();
        let queries = queries();
        let doc = crate::openapi::document();
        for (place, source) in shapes() {
            let pattern = regex::Regex::new(source).unwrap_or_else(|e| panic!("{e}"));
            let (judge, name, base) = match place {
                Place::Body(component, property) => {
                    let root = json!({ "$ref": format!("#/components/schemas/{component}") });
                    let judge = &bodies
                        .iter()
                        .find(|(n, _)| *n == component)
                        .unwrap_or_else(|| panic!("{component}"))
                        .1;
                    (judge, property, stand_in(&doc, &root, 0))
                }
                Place::Query(path, name) => {
                    let judge = &queries
                        .iter()
                        .find(|(p, _)| *p == path)
                        .unwrap_or_else(|| panic!("{path}"))
                        .1;
                    (judge, name, json!({}))
                }
            };
            let pointer = format!("/{name}");
            for text in samples
                .iter()
                .copied()
                .chain(long.iter().map(String::as_str))
            {
                let sent = match place {
                    Place::Body(..) => with_value_at(&base, &pointer, json!(text)),
                    Place::Query(..) => json!({ name: text }),
                };
                let verdict = judge(&sent).accepts(&pointer);
                assert_eq!(verdict, Some(pattern.is_match(text)), "{place:?} {text:?}");
            }
        }
    }

    #[test]
    fn integer_and_number_ranges_are_found_to_the_edge() {
        assert_eq!(
            probe_integer(&|n| Some((2000..=2100).contains(&n))),
            (Some(2000), Some(2100))
        );
        assert_eq!(probe_integer(&|n| Some(n >= 1)), (Some(1), None));
        assert_eq!(
            probe_number(&|x| Some(x.abs() <= 1e15)),
            (Some(-1e15), Some(1e15))
        );
        assert_eq!(
            probe_items(&|n| Some((1..=20).contains(&n))),
            (Some(1), Some(20))
        );
    }
}
