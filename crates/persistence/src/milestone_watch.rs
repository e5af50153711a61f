//! Milestones whose quarter has ended without them being done: each is announced once, as a
//! `milestone.overdue` event owned by its bureau, by a daily job. Being announced is read from the
//! events themselves, so a rerun of the job (or two instances running it) announces nothing twice.

use crate::StoreError;
use crate::events::{self, NewEvent};
use chrono::NaiveDate;
use domain::Owner;
use domain::policy::Quarter;
use domain::wareki::FiscalYear;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

/// The event kind written for a milestone past its quarter and not done.
pub const OVERDUE: &str = "milestone.overdue";

#[derive(Debug, Clone, FromQueryResult)]
struct Candidate {
    id: i64,
    title: String,
    quarter: i16,
    issue_id: i64,
    area: String,
    number: i32,
    bureau_id: i64,
    bureau_name: String,
    fiscal_year: i32,
}

/// Announces every milestone whose quarter ended before `today` (Asia/Tokyo) and that is not
/// done and not yet announced. Runs in the caller's transaction; returns how many it announced.
pub async fn announce_overdue<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> Result<u32, StoreError> {
    let backend = conn.get_database_backend();
    let sql = "SELECT m.id, m.title, m.quarter, i.id AS issue_id, i.area, i.number, \
               p.bureau_id, b.name AS bureau_name, p.fiscal_year \
               FROM milestones m \
               JOIN policy_issues i ON i.id = m.issue_id \
               JOIN policies p ON p.id = i.policy_id \
               JOIN bureaus b ON b.id = p.bureau_id \
               WHERE m.state <> 'done' AND NOT EXISTS (SELECT 1 FROM events e \
                 WHERE e.kind = 'milestone.overdue' AND e.record_kind = 'milestone' \
                 AND e.record_id = m.id) \
               ORDER BY m.id";
    let candidates = Candidate::find_by_statement(Statement::from_string(backend, sql))
        .all(conn)
        .await?;
    let now = crate::clock::now();
    let mut announced = 0;
    for milestone in candidates {
        let Some(quarter) = u8::try_from(milestone.quarter).ok().and_then(Quarter::new) else {
            continue;
        };
        let ends = quarter.last_day(FiscalYear(milestone.fiscal_year));
        if ends >= today {
            continue;
        }
        let sections_of_bureau =
            crate::organization::section_ids_of_bureau(conn, milestone.bureau_id).await?;
        let title = format!(
            "{}の{}({}) 「{}」が{}を過ぎても完了していません",
            milestone.bureau_name,
            milestone.area,
            milestone.number,
            milestone.title,
            quarter.label_ja()
        );
        events::record(
            conn,
            NewEvent {
                kind: OVERDUE,
                actor_user_id: None,
                record_kind: "milestone",
                record_id: milestone.id,
                owner: Owner::Bureau {
                    bureau_id: milestone.bureau_id,
                    sections_of_bureau,
                },
                title,
                link: format!("/policy-issues/{}", milestone.issue_id),
                data: serde_json::json!({
                    "milestone_id": milestone.id,
                    "policy_issue_id": milestone.issue_id,
                    "bureau_id": milestone.bureau_id,
                    "fiscal_year": milestone.fiscal_year,
                    "quarter": milestone.quarter,
                    "quarter_ended_on": ends,
                    "title": milestone.title,
                }),
            },
            now,
        )
        .await?;
        announced += 1;
    }
    Ok(announced)
}
