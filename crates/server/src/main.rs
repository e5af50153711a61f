//! `platina`: the server and its operator commands.
#![allow(clippy::print_stdout)]

use clap::{Args, Parser, Subcommand};
use platina_server::commands::{self, CommandError, UserSpec};
use platina_server::config::Config;
use platina_server::{Application, telemetry};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc returns freed pages to the system within milliseconds; glibc keeps what each thread's
/// arena once held (a large import or a burst of sign-ins left the server at 700 MB–1.2 GB).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "platina",
    version,
    about = "Platina: the reform tracker of the city hall"
)]
struct Cli {
    /// A TOML file layered over the built-in defaults (config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the web app.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (needs no database).
    Openapi,
    /// Manage people's accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage accounts of internal systems.
    #[command(subcommand, name = "service-account")]
    ServiceAccount(ServiceAccountCommand),
    /// The demo dataset transcribed from the city's documents.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Import reforms, proposals or ledger entries from CSV (UTF-8 or Shift_JIS), XLSX or JSON;
    /// with --all, restore a backup written by `platina export --all` into an empty database.
    Import {
        /// The file to read.
        file: PathBuf,
        /// reforms, proposals or digital_systems.
        #[arg(long, value_parser = ["reforms", "proposals", "digital_systems"], required_unless_present = "all")]
        kind: Option<String>,
        /// Report what each row would do and change nothing.
        #[arg(long, conflicts_with = "all")]
        dry_run: bool,
        /// Restore a whole backup (the database must be empty).
        #[arg(long, conflicts_with = "kind")]
        all: bool,
    },
    /// Add a synthetic city for benchmarks (needs an organisation: run `demo load` first).
    Synth(SynthArgs),
    /// Compute a round's report as of a day (optionally as known at an instant) and print it as
    /// JSON, with the time it took on standard error.
    Report {
        /// 基準日, e.g. 2025-11-25.
        #[arg(long)]
        as_of: chrono::NaiveDate,
        /// As known at this instant (RFC 3339); as known now when left out.
        #[arg(long)]
        known_at: Option<chrono::DateTime<chrono::Utc>>,
        /// One bureau's report instead of the city's.
        #[arg(long)]
        bureau: Option<i64>,
    },
    /// Back up the whole database content as one JSON document (`-` writes to standard output).
    Export {
        /// Everything: the only kind of export the command line offers; lists export over the API.
        #[arg(long, required = true)]
        all: bool,
        /// Where to write the backup.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct SynthArgs {
    /// The fiscal year everything is made in (2025 = 令和7年度).
    #[arg(long, default_value_t = 2025)]
    fiscal_year: i32,
    #[arg(long, default_value_t = 100_000)]
    proposals: u64,
    #[arg(long, default_value_t = 1_000_000)]
    stage_events: u64,
    #[arg(long, default_value_t = 200_000)]
    reforms: u64,
    #[arg(long, default_value_t = 2_000_000)]
    audit_events: u64,
    /// The same seed makes the same city.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Load data/demo into the database; refused when it already holds proposals or reforms.
    Load,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create(UserCreate),
    /// Disable an account at once (its tokens stop working on their next request).
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Args)]
struct UserCreate {
    #[arg(long)]
    email: String,
    /// Display name, e.g. "北九州 花子".
    #[arg(long)]
    name: String,
    /// admin, editor, proposer or viewer.
    #[arg(long)]
    role: String,
    /// A section the editor acts within (repeatable).
    #[arg(long = "section", value_name = "ID")]
    sections: Vec<i64>,
    /// A bureau the editor acts within (repeatable).
    #[arg(long = "bureau", value_name = "ID")]
    bureaus: Vec<i64>,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Debug, Subcommand)]
enum ServiceAccountCommand {
    /// Create a client id and secret; the secret is printed once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long = "section", value_name = "ID")]
        sections: Vec<i64>,
        #[arg(long = "bureau", value_name = "ID")]
        bureaus: Vec<i64>,
    },
}

#[derive(Debug, thiserror::Error)]
enum MainError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Start(#[from] platina_server::StartError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", api::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("platina: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("platina: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // actix-web needs its own system for the HTTP workers; `serve` runs inside it.
    let result = match cli.command {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        other => runtime.block_on(run_command(config, other)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("platina: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), MainError> {
    let demo = config.demo.enabled;
    let host = config.server.bind.ip();
    let app = Application::build(config).await?;
    let url = format!("http://{host}:{}", app.port());
    tracing::info!(%url, "Platina is serving");
    println!("Platina: {url}  (API docs: {url}/api/docs)");
    if demo {
        println!(
            "Demo sign-in / デモ用サインイン: {} / {}",
            platina_server::demo::DEMO_ACCOUNTS[0].0,
            platina_server::demo::DEMO_PASSWORD
        );
    }
    app.run_until_stopped().await?;
    tracing::info!("Platina stopped");
    Ok(())
}

/// Brings the schema up to date before a command that writes.
async fn migrate(db: &persistence::Database, config: &Config) -> Result<(), MainError> {
    db.migrate()
        .await
        .map_err(|source| platina_server::StartError::Database {
            url: config.database.url.redacted(),
            source,
        })?;
    Ok(())
}

async fn run_command(config: Config, command: Command) -> Result<(), MainError> {
    let db = platina_server::connect(&config).await?;
    match command {
        Command::Migrate => {
            migrate(&db, &config).await?;
            println!("migrations applied");
        }
        Command::User(UserCommand::Create(args)) => {
            migrate(&db, &config).await?;
            let password = commands::read_password(std::io::stdin().lock())?;
            let user = commands::create_user(
                &db,
                UserSpec {
                    email: args.email,
                    name: args.name,
                    role: commands::parse_role(&args.role)?,
                    section_ids: args.sections,
                    bureau_ids: args.bureaus,
                    password,
                },
            )
            .await?;
            println!("created user {} <{}> as {}", user.id, user.email, user.role);
        }
        Command::User(UserCommand::Disable { email }) => {
            let user = commands::disable_user(&db, &email).await?;
            println!("disabled user {} <{}>", user.id, user.email);
        }
        Command::ServiceAccount(ServiceAccountCommand::Create {
            name,
            role,
            sections,
            bureaus,
        }) => {
            migrate(&db, &config).await?;
            let role = commands::parse_role(&role)?;
            let (account, secret) =
                commands::create_service_account(&db, &name, role, sections, bureaus).await?;
            println!("client_id={}", account.client_id);
            println!("client_secret={secret}");
            println!(
                "(the secret is shown only now; store it in the calling system's secret store)"
            );
        }
        Command::Demo(DemoCommand::Load) => {
            migrate(&db, &config).await?;
            match platina_server::demo_data::load_into_empty(&db).await? {
                Some(loaded) => println!(
                    "loaded {} bureaus, {} sections, {} proposals, {} reforms, {} X policies with {} issues, {} targets, {} ledger systems",
                    loaded.bureaus,
                    loaded.sections,
                    loaded.proposals,
                    loaded.reforms,
                    loaded.policies,
                    loaded.policy_issues,
                    loaded.targets,
                    loaded.digital_systems
                ),
                None => {
                    println!(
                        "the database already holds proposals or reforms; the demo dataset was not loaded"
                    );
                }
            }
        }
        Command::Synth(args) => {
            migrate(&db, &config).await?;
            let spec = persistence::synth::SynthSpec {
                fiscal_year: args.fiscal_year,
                proposals: args.proposals,
                stage_events: args.stage_events,
                reforms: args.reforms,
                audit_events: args.audit_events,
                seed: args.seed,
            };
            let started = std::time::Instant::now();
            let mut progress = |what: &str, done: u64, total: u64| {
                eprintln!(
                    "[{:>6.1} s] {what}: {done}/{total}",
                    started.elapsed().as_secs_f64()
                );
            };
            let made = persistence::synth::synthesize(&db, &spec, &mut progress)
                .await
                .map_err(|e| CommandError::Input(format!("synth: {e}")))?;
            println!(
                "made {} proposals ({} sections' assignments, {} stage events, {} consultations), {} reforms ({} tags), {} audit events in {:.1} s",
                made.proposals,
                made.assignments,
                made.stage_events,
                made.consultations,
                made.reforms,
                made.reform_tags,
                made.audit_events,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Export { all: _, file } => {
            let counts = commands::write_backup(&db, &file).await?;
            let rows: u64 = counts.iter().map(|(_, n)| n).sum();
            eprintln!("backed up {rows} rows of {} tables", counts.len());
        }
        Command::Import {
            file, all: true, ..
        } => {
            migrate(&db, &config).await?;
            let restored = commands::restore_backup(&db, &file).await?;
            for (table, rows) in &restored.counts {
                println!("{table}: {rows}");
            }
            let rows: u64 = restored.counts.iter().map(|(_, n)| n).sum();
            println!("restored {rows} rows (schema {})", restored.schema);
        }
        Command::Import {
            file,
            kind,
            dry_run,
            all: false,
        } => {
            migrate(&db, &config).await?;
            let kind = match kind.as_deref().unwrap_or("reforms") {
                "proposals" => api::tabular::dto::ImportKindDto::Proposals,
                "digital_systems" => api::tabular::dto::ImportKindDto::DigitalSystems,
                _ => api::tabular::dto::ImportKindDto::Reforms,
            };
            let report = commands::import_file(&db, &file, kind, dry_run).await?;
            let job = report.job;
            for row in job.rows.iter().filter(|r| !r.errors.is_empty()) {
                for error in &row.errors {
                    println!(
                        "row {}: {} {}",
                        row.row,
                        error.column.as_deref().unwrap_or(""),
                        error.message
                    );
                }
            }
            let s = &job.summary;
            println!(
                "{}: {} created, {} updated, {} unchanged, {} rejected{}",
                if job.dry_run { "dry run" } else { "import" },
                s.created,
                s.updated,
                s.unchanged,
                s.rejected,
                job.message
                    .as_deref()
                    .map(|m| format!(" — {m}"))
                    .unwrap_or_default()
            );
            if s.rejected > 0 || job.state == api::tabular::dto::ImportStateDto::Failed {
                db.close().await.ok();
                return Err(MainError::Command(CommandError::Input(
                    "some rows were rejected".into(),
                )));
            }
        }
        Command::Report {
            as_of,
            known_at,
            bureau,
        } => {
            migrate(&db, &config).await?;
            let started = std::time::Instant::now();
            let report = persistence::as_known::report(&db.conn, as_of, known_at, bureau)
                .await
                .map_err(|e| CommandError::Input(format!("report: {e}")))?;
            let took = started.elapsed();
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| CommandError::Input(format!("report: {e}")))?;
            println!("{json}");
            eprintln!("computed in {:.1} ms", took.as_secs_f64() * 1000.0);
        }
        Command::Serve | Command::Openapi => {}
    }
    db.close().await.ok();
    Ok(())
}
