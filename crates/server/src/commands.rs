//! Operator commands: accounts for people and internal systems, created on the server itself.

use crate::StartError;
use domain::{Email, Role, Scopes};
use persistence::accounts::{self, NewServiceAccount, NewUser};
use persistence::{AuditActor, Database, StoreError};
use std::io::BufRead;

/// The shortest password an operator may set (NIST SP 800-63B asks for at least 8; staff
/// accounts here guard city records, so 12).
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("{0}")]
    Input(String),
    #[error("an account with this e-mail address already exists")]
    Duplicate,
    #[error("no account with this e-mail address")]
    NotFound,
    #[error("storage: {0}")]
    Store(String),
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate => CommandError::Duplicate,
            StoreError::NotFound => CommandError::NotFound,
            other => CommandError::Store(other.to_string()),
        }
    }
}

/// Writes a backup of everything to `path` (`-` for standard output). A file is written beside
/// its final name and renamed at the end, so an interrupted backup never looks complete.
pub async fn write_backup(
    db: &Database,
    path: &std::path::Path,
) -> Result<persistence::backup::RowCounts, CommandError> {
    use std::io::Write;
    let failed = |e: persistence::backup::BackupError| CommandError::Store(e.to_string());
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let counts = persistence::backup::write_backup(db, &mut out)
            .await
            .map_err(failed)?;
        out.flush()
            .map_err(|e| CommandError::Input(format!("cannot write the backup: {e}")))?;
        return Ok(counts);
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let cannot =
        |e: std::io::Error| CommandError::Input(format!("cannot write {}: {e}", path.display()));
    let file = std::fs::File::create(&partial).map_err(cannot)?;
    let mut out = std::io::BufWriter::new(file);
    let written = persistence::backup::write_backup(db, &mut out).await;
    let finished = written.map_err(failed).and_then(|counts| {
        let file = out.into_inner().map_err(|e| cannot(e.into_error()))?;
        file.sync_all().map_err(cannot)?;
        Ok(counts)
    });
    match finished {
        Ok(counts) => {
            std::fs::rename(&partial, path).map_err(cannot)?;
            Ok(counts)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Restores a backup into the (empty) database: all of it in one transaction, or nothing.
pub async fn restore_backup(
    db: &Database,
    path: &std::path::Path,
) -> Result<persistence::backup::Restored, CommandError> {
    let input: Box<dyn std::io::Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| CommandError::Input(format!("cannot read {}: {e}", path.display())))?,
        )
    };
    persistence::backup::restore_backup(db, input)
        .await
        .map_err(|e| CommandError::Input(e.to_string()))
}

fn operator() -> AuditActor {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    AuditActor::command_line(&format!("platina command line ({who})"))
}

/// Reads the password from the first line of standard input, so it never shows in `ps` or
/// shell history.
pub fn read_password(input: impl BufRead) -> Result<String, CommandError> {
    let mut line = String::new();
    let mut input = input;
    input.read_line(&mut line).map_err(|e| {
        CommandError::Input(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CommandError::Input(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if domain::text::has_forbidden_control(&password, false) {
        return Err(CommandError::Input(
            "the password contains control characters".into(),
        ));
    }
    Ok(password)
}

pub fn parse_role(raw: &str) -> Result<Role, CommandError> {
    raw.parse::<Role>()
        .map_err(|e| CommandError::Input(e.to_string()))
}

fn check_name(name: &str) -> Result<String, CommandError> {
    let name = domain::text::normalize(name).trim().to_owned();
    if name.is_empty()
        || name.chars().count() > 200
        || domain::text::text_fault(&name, false).is_some()
    {
        return Err(CommandError::Input(
            "the name must be 1 to 200 characters without control or invisible characters".into(),
        ));
    }
    Ok(name)
}

fn scopes_for(
    role: Role,
    section_ids: Vec<i64>,
    bureau_ids: Vec<i64>,
) -> Result<Scopes, CommandError> {
    let scoped = !section_ids.is_empty() || !bureau_ids.is_empty();
    if role == Role::Editor && !scoped {
        return Err(CommandError::Input(
            "an editor needs at least one --section or --bureau".into(),
        ));
    }
    if role != Role::Editor && scoped {
        return Err(CommandError::Input(
            "only editors are scoped to sections or bureaus".into(),
        ));
    }
    Ok(Scopes {
        section_ids,
        bureau_ids,
    })
}

pub struct UserSpec {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub section_ids: Vec<i64>,
    pub bureau_ids: Vec<i64>,
    pub password: String,
}

pub async fn create_user(db: &Database, spec: UserSpec) -> Result<accounts::User, CommandError> {
    let email = Email::parse(&spec.email)
        .map_err(|_| CommandError::Input(format!("`{}` is not an e-mail address", spec.email)))?;
    let display_name = check_name(&spec.name)?;
    let scopes = scopes_for(spec.role, spec.section_ids, spec.bureau_ids)?;
    let password_hash = api::auth::passwords::hash_off_thread(spec.password)
        .await
        .map_err(|e| CommandError::Store(e.to_string()))?;
    Ok(accounts::create_user(
        &db.conn,
        NewUser {
            email,
            display_name,
            role: spec.role,
            scopes,
            password_hash,
        },
        &operator(),
    )
    .await?)
}

pub async fn disable_user(db: &Database, email: &str) -> Result<accounts::User, CommandError> {
    let email = Email::parse(email)
        .map_err(|_| CommandError::Input(format!("`{email}` is not an e-mail address")))?;
    Ok(accounts::disable_user(&db.conn, &email, &operator()).await?)
}

/// Creates a service account; returns it with the secret, which is shown this once only.
pub async fn create_service_account(
    db: &Database,
    name: &str,
    role: Role,
    section_ids: Vec<i64>,
    bureau_ids: Vec<i64>,
) -> Result<(accounts::ServiceAccount, String), CommandError> {
    let name = check_name(name)?;
    let scopes = scopes_for(role, section_ids, bureau_ids)?;
    let (client_id, secret) = api::auth::passwords::new_client_credentials()
        .map_err(|e| CommandError::Store(e.to_string()))?;
    let secret_hash = api::auth::passwords::hash_off_thread(secret.clone())
        .await
        .map_err(|e| CommandError::Store(e.to_string()))?;
    let account = accounts::create_service_account(
        &db.conn,
        NewServiceAccount {
            client_id,
            name,
            role,
            scopes,
            secret_hash,
        },
        &operator(),
    )
    .await?;
    Ok((account, secret))
}

/// What `platina import` reports when it is done.
pub struct ImportReport {
    pub job: api::tabular::dto::ImportJobOut,
}

/// The progress line: a bar for the phase under way, then every phase with its rows done and,
/// while it runs, the time it has left at its pace so far.
fn progress_line(job: &api::tabular::dto::ImportJobOut) -> String {
    use api::tabular::dto::ImportPhaseDto;
    const WIDTH: u32 = 30;
    let current = job
        .phase
        .and_then(|now| job.phases.iter().find(|p| p.phase == now));
    let (done, total) = current.map_or((job.processed_rows, job.total_rows), |p| (p.done, p.total));
    let filled = done
        .saturating_mul(WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '-' })
        .collect();
    let phases: Vec<String> = job
        .phases
        .iter()
        .map(|p| {
            let name = match p.phase {
                ImportPhaseDto::Reading => "reading",
                ImportPhaseDto::Checking => "checking",
                ImportPhaseDto::Writing => "writing",
                ImportPhaseDto::Indexing => "indexing",
            };
            match (p.started_at, p.finished_at, p.eta_seconds) {
                (None, _, _) => format!("{name} -"),
                (Some(_), Some(_), _) => format!("{name} {}/{} done", p.done, p.total),
                (Some(_), None, Some(eta)) => {
                    format!(
                        "{name} {}/{} ETA {}:{:02}",
                        p.done,
                        p.total,
                        eta / 60,
                        eta % 60
                    )
                }
                (Some(_), None, None) => format!("{name} {}/{}", p.done, p.total),
            }
        })
        .collect();
    format!(
        "\r[{bar}] {}/{} rows | {}\x1b[K",
        job.processed_rows,
        job.total_rows,
        phases.join(" | ")
    )
}

/// Imports a file as the operator, drawing a progress bar on standard error. The same rules as
/// `POST /api/v1/imports`: a dry run changes nothing; otherwise every row or none.
pub async fn import_file(
    db: &Database,
    path: &std::path::Path,
    kind: api::tabular::dto::ImportKindDto,
    dry_run: bool,
) -> Result<ImportReport, CommandError> {
    use std::io::Write;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    let problem = |e: api::ApiError| {
        let fields: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{} {}", f.pointer, f.message))
            .collect();
        CommandError::Input(format!(
            "{} {}",
            e.detail.unwrap_or_else(|| e.code.title().to_owned()),
            fields.join("; ")
        ))
    };
    // A CSV is checked now and read again batch by batch as the import goes: the file is never
    // held whole, however large.
    let source = api::tabular::import::Source::File(path.to_path_buf());
    let sheet = api::tabular::import::read_sheet(&file_name, source).map_err(problem)?;
    let columns = api::tabular::import::check_columns(kind, &sheet.headers).map_err(problem)?;
    let job = api::tabular::import::new_job(kind, dry_run, &file_name, &sheet, columns);
    let actor = operator().via(format!("import {} {}", job.id, file_name));
    let job = std::sync::Arc::new(std::sync::Mutex::new(job));
    let watched = std::sync::Arc::clone(&job);
    let drawing = tokio::spawn(async move {
        loop {
            let line = match watched.lock() {
                Ok(j) => progress_line(&j),
                Err(_) => break,
            };
            {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{line}");
                let _ = err.flush();
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    api::tabular::import::run(
        db,
        kind,
        sheet,
        dry_run,
        api::tabular::import::Importer::Operator,
        actor,
        api::tabular::jobs::JobLog::Memory(std::sync::Arc::clone(&job)),
    )
    .await;
    drawing.abort();
    let job = job
        .lock()
        .map(|j| j.clone())
        .map_err(|_| CommandError::Input("the import's state was lost".into()))?;
    eprintln!("{}", progress_line(&job));
    Ok(ImportReport { job })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_line_break() {
        let read = read_password("correct horse battery\r\nignored\n".as_bytes());
        assert_eq!(read.ok().as_deref(), Some("correct horse battery"));
    }

    #[test]
    fn a_short_password_is_refused() {
        assert!(read_password("short\n".as_bytes()).is_err());
    }

    #[test]
    fn editors_need_a_scope_and_other_roles_may_not_have_one() {
        assert!(scopes_for(Role::Editor, vec![], vec![]).is_err());
        assert!(scopes_for(Role::Editor, vec![3], vec![]).is_ok());
        assert!(scopes_for(Role::Viewer, vec![3], vec![]).is_err());
        assert!(scopes_for(Role::Admin, vec![], vec![]).is_ok());
    }
}
